import { HashesPassword } from '../../auth/hashes-password.decorator.js';
import { ApiIdParam, IdParam } from '../../common/http/object-id.param.js';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../../auth/authenticated.decorator.js';
import type { AuthenticatedMember } from '../../auth/authenticated-member.js';
import { Public } from '../../auth/public.decorator.js';
import { ErrorResponseDto } from '../../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../../common/http/request-origin.js';
import { PageQuery } from '../../common/paging/page.query.js';
import { OnboardingRateLimited } from '../../common/rate-limit/onboarding-rate-limit.js';
import { MemberRole } from '../member-role.js';
import { AcceptInvitationDto, CreateInvitationDto } from './dto/invitation.dto.js';
import { AcceptedInvitationDto, CreatedInvitationDto, InvitationPageDto } from './dto/invitation.view.dto.js';
import { InvitationsService } from './invitations.service.js';

@ApiTags('invitations')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller()
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  /** Invite an email into the organization with a role. The token is in this answer only. */
  @Post('org/invitations')
  @ApiOperation({ operationId: 'createInvitation' })
  @Authenticated({ role: MemberRole.Admin })
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
    description: 'The email already has an account, or a pending invitation to this organization',
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

  /** Accept an invitation: creates the member with this password and logs it in. */
  @Post('invitations/accept')
  @ApiOperation({ operationId: 'acceptInvitation' })
  @Public()
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
  @ApiConflictResponse({ description: 'The email got an account meanwhile', type: ErrorResponseDto })
  accept(@Body() body: AcceptInvitationDto, @Origin() origin: RequestOrigin): Promise<AcceptedInvitationDto> {
    return this.invitations.accept(body, origin);
  }
}
