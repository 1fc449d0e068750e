import type { AccountSession, AuthenticatedAccount, AuthenticatedMember } from '../access/authenticated-member.js';
import type { MemberRole } from '../access/member-role.js';

/** A person's session, as the guard would set it from a token it checked. */
export function sessionOf(account: { accountId: string; email: string; credentialVersion?: number }): AccountSession {
  return {
    accountId: account.accountId,
    membershipId: null,
    email: account.email,
    credentialVersion: account.credentialVersion ?? 1,
    token: { id: 'unit-test-token-id', expiresAt: new Date(Date.now() + 3_600_000) },
  };
}

/** A person acting in an organization through a token of it. */
export function memberCaller(member: {
  accountId: string;
  email: string;
  orgId: string;
  role: MemberRole;
  credentialVersion?: number;
}): AuthenticatedMember {
  return {
    actor: { type: 'account', id: member.accountId, email: member.email },
    orgId: member.orgId,
    role: member.role,
    // The membership's id only goes into fresh tokens here; any id does.
    account: { ...sessionOf(member), membershipId: '507f1f77bcf86cd799439099' },
  };
}

/** A person through an account token (no organization chosen). */
export function accountCaller(account: { accountId: string; email: string; credentialVersion?: number }): AuthenticatedAccount {
  return { actor: { type: 'account', id: account.accountId, email: account.email }, orgId: null, role: null, account: sessionOf(account) };
}

/** An API key of an organization: no account. */
export function apiKeyCaller(orgId: string, role: MemberRole): AuthenticatedMember {
  return { actor: { type: 'api_key', id: 'unit-test-api-key', name: 'ci' }, orgId, role, account: null };
}
