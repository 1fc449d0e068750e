import { domainError, ErrorCode } from '../common/errors/domain.error.js';

/** One message for an unknown email and a wrong password, so neither can be told apart. */
export class InvalidCredentialsError extends domainError(ErrorCode.InvalidCredentials, 'Invalid email or password') {}

/** The account does not belong to the organization named (or there is none by that name): one answer for both. */
export class NotAMemberError extends domainError(ErrorCode.NotAMember, 'Not a member of this organization') {}
