import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { EXAMPLE_EMAIL, EXAMPLE_PASSWORD } from '../accounts/dto/credential-fields.js';
import { AccountAuthenticated, CurrentAccount } from '../common/access/authenticated.decorator.js';
import { EXAMPLE_ORGANIZATION_NAME } from '../organizations/dto/organization-name.field.js';
import type { AuthenticatedAccount } from '../common/access/authenticated-member.js';
import { HashesPassword } from '../common/access/hashes-password.decorator.js';
import { Public } from '../common/access/public.decorator.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { AuthenticationService } from './authentication.service.js';
import { LoginResponseDto } from './dto/login-response.dto.js';
import { LoginDto, SwitchOrganizationDto } from './dto/login.dto.js';
import { LoginService } from './login.service.js';

const NOT_A_MEMBER = {
  description: 'The account does not belong to the organization named (or none has that name)',
  type: ErrorResponseDto,
};

@ApiTags('auth')
@Controller('admin')
export class AuthController {
  constructor(
    private readonly logins: LoginService,
    private readonly authentication: AuthenticationService,
  ) {}

  /**
   * Exchange an account's email and password for a bearer token: of the organization named, of the
   * only organization when none is named, or otherwise an account token (`org_id: null`).
   */
  @Post('login')
  @ApiBody({
    type: LoginDto,
    examples: {
      'The only organization (or an account token)': { value: { email: EXAMPLE_EMAIL, password: EXAMPLE_PASSWORD } },
      'One organization, by name': {
        value: { email: EXAMPLE_EMAIL, password: EXAMPLE_PASSWORD, organization_name: EXAMPLE_ORGANIZATION_NAME },
      },
    },
  })
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
  @ApiForbiddenResponse(NOT_A_MEMBER)
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this client address or for this email; see Retry-After',
    type: ErrorResponseDto,
  })
  login(@Body() body: LoginDto, @Origin() origin: RequestOrigin & { ip: string }): Promise<LoginResponseDto> {
    const { email, password, ...choice } = body;
    return this.logins.login(email, password, choice, origin);
  }

  /** A token of another organization of the caller's account, without the password. */
  @Post('switch')
  @ApiOperation({ operationId: 'switchOrganization' })
  @AccountAuthenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiForbiddenResponse(NOT_A_MEMBER)
  switch(@CurrentAccount() caller: AuthenticatedAccount, @Body() body: SwitchOrganizationDto): Promise<LoginResponseDto> {
    return this.logins.switchTo(caller.account, body.organization_id);
  }

  /** End the presented token: it gets 401 from now on (within 1 s on other instances). */
  @Post('logout')
  @ApiOperation({ operationId: 'logout' })
  @AccountAuthenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The token is revoked' })
  logout(@CurrentAccount() caller: AuthenticatedAccount): Promise<void> {
    return this.authentication.logout(caller.account);
  }

  /** End every session of the caller's account: all its tokens get 401 from now on (within 1 s on other instances). */
  @Post('logout/all')
  @ApiOperation({ operationId: 'logoutEverywhere' })
  @AccountAuthenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Every token of the account is revoked' })
  logoutEverywhere(@CurrentAccount() caller: AuthenticatedAccount): Promise<void> {
    return this.authentication.logoutEverywhere(caller.account);
  }
}
