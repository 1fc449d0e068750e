import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { HashesPassword } from '../common/access/hashes-password.decorator.js';
import { AccountAuthenticated, CurrentAccount } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedAccount } from '../common/access/authenticated-member.js';
import { toObjectId } from '../common/database/object-id.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { AccountOrganizationPageDto } from './dto/login-response.dto.js';
import { AccountViewDto, UpdateAccountDto, UpdatedAccountDto } from './dto/me.dto.js';
import { LoginService } from './login.service.js';
import { MeService } from './me.service.js';

@ApiTags('me')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller('me')
export class MeController {
  constructor(
    private readonly me: MeService,
    private readonly logins: LoginService,
  ) {}

  /** The caller's own account. */
  @Get()
  @ApiOperation({ operationId: 'getAccount' })
  @AccountAuthenticated()
  @ApiOkResponse({ type: AccountViewDto })
  get(@CurrentAccount() caller: AuthenticatedAccount): Promise<AccountViewDto> {
    return this.me.get(caller);
  }

  /** Change the account's email and/or password (in all its organizations); every earlier token gets 401. */
  @Patch()
  @ApiBody({ type: UpdateAccountDto, examples: { 'Change my password': { value: { password: 'a-fresh-acme-passphrase-7' } } } })
  @HashesPassword({ whenBodyHas: 'password' })
  @ApiOperation({ operationId: 'updateAccount' })
  @AccountAuthenticated()
  @ApiOkResponse({ type: UpdatedAccountDto })
  @ApiConflictResponse({ description: 'The email belongs to another account', type: ErrorResponseDto })
  update(
    @CurrentAccount() caller: AuthenticatedAccount,
    @Body() body: UpdateAccountDto,
    @Origin() origin: RequestOrigin,
  ): Promise<UpdatedAccountDto> {
    return this.me.update(caller, body, origin);
  }

  /** Delete the account with all its memberships. */
  @Delete()
  @ApiOperation({ operationId: 'deleteAccount' })
  @AccountAuthenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The account and its memberships are gone' })
  @ApiConflictResponse({ description: 'The account is the last owner of an organization', type: ErrorResponseDto })
  delete(@CurrentAccount() caller: AuthenticatedAccount, @Origin() origin: RequestOrigin): Promise<void> {
    return this.me.delete(caller, origin);
  }

  /** The account's organizations with its role in each, in id order. */
  @Get('organizations')
  @ApiOperation({ operationId: 'listAccountOrganizations' })
  @AccountAuthenticated()
  @ApiOkResponse({ type: AccountOrganizationPageDto })
  organizations(@CurrentAccount() caller: AuthenticatedAccount, @Query() query: PageQuery): Promise<AccountOrganizationPageDto> {
    const after = query.cursor ? toObjectId(query.cursor) : undefined;
    return this.logins.page(toObjectId(caller.account.accountId), after, query.limit ?? DEFAULT_PAGE_SIZE);
  }
}
