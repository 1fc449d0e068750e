import { HashesPassword } from './hashes-password.decorator.js';
import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { AuthService } from './auth.service.js';
import type { AuthenticatedMember } from './authenticated-member.js';
import { Authenticated, CurrentMember } from './authenticated.decorator.js';
import { LoginResponseDto } from './dto/login-response.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { Public } from './public.decorator.js';

@ApiTags('auth')
@Controller('admin')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Exchange a member's email and password for a bearer token. */
  @Post('login')
  @HashesPassword()
  @ApiOperation({ operationId: 'login' })
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: LoginResponseDto,
    // What the access token opens: the caller's membership and the organization's records.
    links: {
      getCurrentMember: { operationId: 'getCurrentMember' },
      listRecords: { operationId: 'listRecords' },
      createRecord: { operationId: 'createRecord' },
    },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiUnauthorizedResponse({ description: 'Unknown email or wrong password (same answer)', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this client address or for this email; see Retry-After',
    type: ErrorResponseDto,
  })
  login(@Body() body: LoginDto, @Origin() origin: RequestOrigin & { ip: string }): Promise<LoginResponseDto> {
    return this.auth.login(body.email, body.password, origin);
  }

  /** End the presented token: it gets 401 from now on (within 1 s on other instances). */
  @Post('logout')
  @ApiOperation({ operationId: 'logout' })
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The token is revoked' })
  logout(@CurrentMember() caller: AuthenticatedMember): Promise<void> {
    return this.auth.logout(caller);
  }

  /** End every session of the caller: all its tokens get 401 from now on (within 1 s on other instances). */
  @Post('logout/all')
  @ApiOperation({ operationId: 'logoutEverywhere' })
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Every token of the caller is revoked' })
  logoutEverywhere(@CurrentMember() caller: AuthenticatedMember): Promise<void> {
    return this.auth.logoutEverywhere(caller);
  }
}
