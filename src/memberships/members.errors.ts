import { domainError, ErrorCode } from '../common/errors/domain.error.js';

export class MemberNotFoundError extends domainError(ErrorCode.MemberNotFound, 'Member not found') {}

/** The change would leave the organization without an owner. */
export class LastOwnerError extends domainError(ErrorCode.LastOwner, 'The organization must keep at least one owner') {}

/** Another change to the organization's owners is being made right now. */
export class OwnersBusyError extends domainError(
  ErrorCode.OrganizationBusy,
  "The organization's owners are being changed; retry shortly",
  1,
) {}
