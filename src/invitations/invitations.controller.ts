import { HashesPassword } from '../common/access/hashes-password.decorator.js';
import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiBearerAuth,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authenticated, BEARER_AUTH_NAME, CurrentMember, OptionalAccount } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedAccount, AuthenticatedMember } from '../common/access/authenticated-member.js';
import { Public } from '../common/access/public.decorator.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { PageQuery } from '../common/paging/page.query.js';
import { OnboardingRateLimited } from '../common/rate-limit/onboarding-rate-limit.js';
import { MemberRole } from '../common/access/member-role.js';
import { AcceptInvitationDto, CreateInvitationDto } from './dto/invitation.dto.js';
import { AcceptedInvitationDto, CreatedInvitationDto, InvitationPageDto } from './dto/invitation.view.dto.js';
import { InvitationAcceptance, InvitationsService } from './invitations.service.js';

@ApiTags('invitations')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller()
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly acceptance: InvitationAcceptance,
  ) {}

  /** Invite an email into the organization with a role. The token is in this answer only. */
  @Post('org/invitations')
  @ApiOperation({ operationId: 'createInvitation' })
  @Authenticated({ role: MemberRole.Admin, roleNote: 'inviting an `owner` needs `owner`' })
  @ApiCreatedResponse({
    type: CreatedInvitationDto,
    links: {
      // The invitee's password is theirs to choose; any acceptable one completes the sequence.
      acceptInvitation: {
        operationId: 'acceptInvitation',
        requestBody: { invitation_token: '$response.body#/invitation_token', password: 'an-invitee-chosen-passphrase' },
      },
      revokeInvitation: { operationId: 'revokeInvitation', parameters: { id: '$response.body#/id' } },
    },
  })
  @ApiConflictResponse({
    description: 'The email already belongs to a member of this organization, or has a pending invitation to it',
    type: ErrorResponseDto,
  })
  create(
    @CurrentMember() caller: AuthenticatedMember,
    @Body() body: CreateInvitationDto,
    @Origin() origin: RequestOrigin,
  ): Promise<CreatedInvitationDto> {
    return this.invitations.create(caller, body, origin);
  }

  /** The organization's pending invitations (without tokens). */
  @Get('org/invitations')
  @ApiOperation({ operationId: 'listInvitations' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiOkResponse({ type: InvitationPageDto })
  list(@CurrentMember() caller: AuthenticatedMember, @Query() query: PageQuery): Promise<InvitationPageDto> {
    return this.invitations.list(caller, query);
  }

  /** Revoke a pending invitation; its token stops working. */
  @Delete('org/invitations/:id')
  @ApiIdParam('invitation')
  @ApiOperation({ operationId: 'revokeInvitation' })
  @Authenticated({ role: MemberRole.Admin })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'No such pending invitation in this organization', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'An accept of this invitation is in progress; see Retry-After', type: ErrorResponseDto })
  revoke(@CurrentMember() caller: AuthenticatedMember, @IdParam('invitation') id: string, @Origin() origin: RequestOrigin): Promise<void> {
    return this.invitations.revoke(caller, id, origin);
  }

  /**
   * Accept an invitation and get a token for the organization joined. For an email without an
   * account, `password` creates the account; an existing account proves itself with its password
   * or by sending its token.
   */
  @Post('invitations/accept')
  @ApiOperation({ operationId: 'acceptInvitation' })
  @Public({ acceptsAccountToken: true })
  @ApiBearerAuth(BEARER_AUTH_NAME)
  @ApiSecurity({})
  @OnboardingRateLimited()
  @HashesPassword()
  @ApiCreatedResponse({
    type: AcceptedInvitationDto,
    links: Object.fromEntries(
      ['changeMemberRole', 'removeMember'].map((operationId) => [
        operationId,
        { operationId, parameters: { id: '$response.body#/member/id' } },
      ]),
    ),
  })
  @ApiNotFoundResponse({ description: 'Unknown, used, revoked or expired invitation (one answer)', type: ErrorResponseDto })
  @ApiUnauthorizedResponse({
    description: 'The email has an account and neither its password nor its token came along, or a token sent is invalid',
    type: ErrorResponseDto,
  })
  @ApiConflictResponse({ description: 'Already a member of this organization', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: "An API key was sent: accepting is a person's own act", type: ErrorResponseDto })
  accept(
    @Body() body: AcceptInvitationDto,
    @OptionalAccount() caller: AuthenticatedAccount | null,
    @Origin() origin: RequestOrigin,
  ): Promise<AcceptedInvitationDto> {
    return this.acceptance.accept(body, caller, origin);
  }
}
