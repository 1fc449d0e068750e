import { HashesPassword } from '../common/access/hashes-password.decorator.js';
import { Body, Controller, Delete, Get, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authenticated, BEARER_AUTH_NAME, CurrentMember, OptionalAccount } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedAccount, AuthenticatedMember } from '../common/access/authenticated-member.js';
import { OperatorAuthenticated } from '../common/access/operator-authenticated.decorator.js';
import { Public } from '../common/access/public.decorator.js';
import { PageQuery } from '../common/paging/page.query.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { OnboardingRateLimited } from '../common/rate-limit/onboarding-rate-limit.js';
import { MemberRole } from '../common/access/member-role.js';
import { CreateOrganizationDto } from './dto/create-organization.dto.js';
import {
  ApiOrganizationNameInQuery,
  ApiOrganizationNameToDelete,
  OrganizationNameInQuery,
  OrganizationNameToDelete,
} from './dto/organization-name.params.js';
import {
  CollectionStatsDto,
  CreatedOrganizationDto,
  DeletedOrganizationDto,
  OrganizationPageDto,
  OrganizationViewDto,
  UpdatedOrganizationDto,
} from './dto/organization.view.dto.js';
import { UpdateOrganizationDto } from './dto/update-organization.dto.js';
import { OrganizationOnboarding } from './organization-onboarding.service.js';
import { OrganizationUpdates } from './organization-updates.service.js';
import { OrganizationsService } from './organizations.service.js';

@ApiTags('organizations')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller('org')
export class OrganizationsController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly onboarding: OrganizationOnboarding,
    private readonly updates: OrganizationUpdates,
  ) {}

  /**
   * Onboard an organization with its tenant collection. Without a token: its owner's email and
   * password (a new account, or an existing account with its own password). With a person's token
   * (of any organization, or an account token): only the name, and the caller becomes the owner.
   */
  @Post('create')
  @ApiOperation({ operationId: 'createOrganization' })
  @Public({ acceptsAccountToken: true })
  @ApiBearerAuth(BEARER_AUTH_NAME)
  @ApiSecurity({})
  @OnboardingRateLimited()
  @HashesPassword()
  @ApiCreatedResponse({
    type: CreatedOrganizationDto,
    // For clients and stateful fuzzers: the new owner logs in with the credentials just sent.
    links: {
      login: { operationId: 'login', requestBody: { email: '$request.body#/email', password: '$request.body#/password' } },
      getOrganization: { operationId: 'getOrganization', parameters: { organization_name: '$response.body#/organization_name' } },
    },
  })
  @ApiConflictResponse({
    description: "Name (same slug) taken, or an existing account's email with another password",
    type: ErrorResponseDto,
  })
  @ApiUnauthorizedResponse({ description: 'A token was sent and is invalid', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'An API key was sent: organizations are created by people', type: ErrorResponseDto })
  create(
    @Body() body: CreateOrganizationDto,
    @OptionalAccount() caller: AuthenticatedAccount | null,
    @Origin() origin: RequestOrigin,
  ): Promise<CreatedOrganizationDto> {
    return this.onboarding.create(body, caller, origin);
  }

  /** Look an organization up by name (any name with the same slug finds it). */
  @Get('get')
  @ApiOperation({ operationId: 'getOrganization' })
  @Public()
  @ApiOrganizationNameInQuery()
  @ApiOkResponse({ type: OrganizationViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@OrganizationNameInQuery() name: string): Promise<OrganizationViewDto> {
    return this.organizations.getByName(name);
  }

  /** Organizations in creation order, one page at a time. */
  @Get('list')
  @ApiOperation({ operationId: 'listOrganizations' })
  @OperatorAuthenticated({ publicWhen: 'orgListPublic' })
  @ApiOkResponse({ type: OrganizationPageDto })
  list(@Query() query: PageQuery): Promise<OrganizationPageDto> {
    return this.organizations.list(query);
  }

  /** Rename the token's organization (moving its collection; needs admin) and/or change the caller's own email or password (any member). */
  @Put('update')
  @ApiBody({
    type: UpdateOrganizationDto,
    examples: {
      Rename: { value: { organization_name: 'Acme Industries' } },
      'Change my password': { value: { password: 'a-fresh-acme-passphrase-7' } },
    },
  })
  @HashesPassword({ whenBodyHas: 'password' })
  @ApiOperation({ operationId: 'updateOrganization' })
  @Authenticated({
    roleByRequest:
      'renaming (`organization_name`) needs `admin`; changing your own `email`/`password` needs any role (`viewer`), ' +
      'as a person (an API key gets 403)',
  })
  @ApiOkResponse({ type: UpdatedOrganizationDto })
  @ApiConflictResponse({ description: 'New name or email taken, or another operation in progress', type: ErrorResponseDto })
  update(
    @CurrentMember() caller: AuthenticatedMember,
    @Body() body: UpdateOrganizationDto,
    @Origin() origin: RequestOrigin,
  ): Promise<UpdatedOrganizationDto> {
    return this.updates.update(caller, body, origin);
  }

  /** Delete the token's organization with its collection, members, invitations and audit log. Name in the query or the JSON body. */
  @Delete('delete')
  @ApiOperation({ operationId: 'deleteOrganization' })
  @Authenticated({ role: MemberRole.Owner })
  @ApiOrganizationNameToDelete()
  @ApiOkResponse({ type: DeletedOrganizationDto })
  @ApiForbiddenResponse({ description: "Not the token's organization (whether or not one by that name exists)", type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Another operation in progress', type: ErrorResponseDto })
  delete(@CurrentMember() caller: AuthenticatedMember, @OrganizationNameToDelete() name: string): Promise<DeletedOrganizationDto> {
    return this.organizations.delete(caller, name);
  }

  /** Size of the token's organization's tenant collection. */
  @Get('collection/stats')
  @ApiOperation({ operationId: 'getCollectionStats' })
  @Authenticated()
  @ApiOkResponse({ type: CollectionStatsDto })
  stats(@CurrentMember() caller: AuthenticatedMember): Promise<CollectionStatsDto> {
    return this.organizations.collectionStats(caller);
  }
}
