import { HashesPassword } from '../auth/hashes-password.decorator.js';
import { Body, Controller, Delete, Get, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../auth/authenticated.decorator.js';
import type { AuthenticatedMember } from '../auth/authenticated-member.js';
import { Public } from '../auth/public.decorator.js';
import { PageQuery } from '../common/paging/page.query.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { OnboardingRateLimited } from '../common/rate-limit/onboarding-rate-limit.js';
import { MemberRole } from '../members/member-role.js';
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
import { OrganizationsService } from './organizations.service.js';

@ApiTags('organizations')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller('org')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  /** Onboard an organization: its admin account and its tenant collection. */
  @Post('create')
  @ApiOperation({ operationId: 'createOrganization' })
  @Public()
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
  @ApiConflictResponse({ description: 'Name (same slug) or email already taken', type: ErrorResponseDto })
  create(@Body() body: CreateOrganizationDto, @Origin() origin: RequestOrigin): Promise<CreatedOrganizationDto> {
    return this.organizations.create(body, origin);
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
  @Public()
  @ApiOkResponse({ type: OrganizationPageDto })
  list(@Query() query: PageQuery): Promise<OrganizationPageDto> {
    return this.organizations.list(query);
  }

  /** Rename the token's organization (moving its collection; needs admin) and/or change the caller's own email or password (any member). */
  @Put('update')
  @HashesPassword({ whenBodyHas: 'password' })
  @ApiOperation({ operationId: 'updateOrganization' })
  @Authenticated()
  @ApiOkResponse({ type: UpdatedOrganizationDto })
  @ApiConflictResponse({ description: 'New name or email taken, or another operation in progress', type: ErrorResponseDto })
  update(
    @CurrentMember() caller: AuthenticatedMember,
    @Body() body: UpdateOrganizationDto,
    @Origin() origin: RequestOrigin,
  ): Promise<UpdatedOrganizationDto> {
    return this.organizations.update(caller, body, origin);
  }

  /** Delete the token's organization with its collection, members, invitations and audit log. Name in the query or the JSON body. */
  @Delete('delete')
  @ApiOperation({ operationId: 'deleteOrganization' })
  @Authenticated({ role: MemberRole.Owner })
  @ApiOrganizationNameToDelete()
  @ApiOkResponse({ type: DeletedOrganizationDto })
  @ApiForbiddenResponse({ description: 'Not your organization', type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
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
