import { domainError, ErrorCode } from '../common/errors/domain.error.js';

/** Unknown, used, revoked and expired invitations all get this one answer. */
export class InvitationNotFoundError extends domainError(
  ErrorCode.InvitationNotFound,
  'Invitation not found, already used, revoked or expired',
) {}

export class InvitationPendingError extends domainError(
  ErrorCode.InvitationPending,
  'This email already has a pending invitation to the organization',
) {}

export class AlreadyMemberError extends domainError(ErrorCode.EmailTaken, 'This email already belongs to a member of the organization') {}

/** An existing account accepts without its token and without (or with a wrong) password. */
export class AccountPasswordError extends domainError(
  ErrorCode.InvalidCredentials,
  "This email has an account: send its password, or accept with the account's token",
) {}

/** An accept of the invitation is in progress. */
export class InvitationBusyError extends domainError(
  ErrorCode.OrganizationBusy,
  'The invitation is being accepted right now; retry shortly',
  1,
) {}
