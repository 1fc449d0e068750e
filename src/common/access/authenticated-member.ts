import { type ObjectId, toObjectId } from '../database/object-id.js';
import type { MemberRole } from './member-role.js';

/** Who an audit event names as having acted. */
export interface Actor {
  type: 'account' | 'api_key' | 'operator';
  id: string;
  email?: string;
  name?: string;
}

/** A person's verified token: the account it belongs to and the token itself. */
export interface AccountSession {
  accountId: string;
  /** The membership a token of an organization acts through; null for an account token. */
  membershipId: string | null;
  email: string;
  /** The credential version the token was issued for (equal to the stored one when it was checked). */
  credentialVersion: number;
  /** The presented token's id and expiry, for logging this token out. */
  token: { id: string; expiresAt: Date };
}

/**
 * Who made an authenticated request, set on the request by the global guard from what is stored
 * now: a person (through a token of an organization, or an account token without one), an API
 * key of an organization, or an operator of the platform (PLATFORM_API_KEYS).
 */
export interface Principal {
  actor: Actor;
  /** The organization the token or key acts in; null for an account token and an operator. */
  orgId: string | null;
  /** As stored now (within the cache's staleness bound), never from the token; null without an organization. */
  role: MemberRole | null;
  /** The person's session; null for an API key and an operator. */
  account: AccountSession | null;
}

/** The caller of an organization route: the guard refuses account tokens there. */
export interface AuthenticatedMember extends Principal {
  orgId: string;
  role: MemberRole;
}

/** The caller of a route about a person's own account: the guard refuses API keys there. */
export interface AuthenticatedAccount extends Principal {
  account: AccountSession;
}

/** The membership a person's token of an organization acts through (for a fresh token of it); null otherwise. */
export function tokenMembershipOf(principal: Principal): { _id: ObjectId; org_id: ObjectId } | null {
  const membershipId = principal.account?.membershipId;
  return membershipId && principal.orgId ? { _id: toObjectId(membershipId), org_id: toObjectId(principal.orgId) } : null;
}

/** The caller of an operator route (`/platform/*`): one of the operator keys, named by its key id. */
export interface AuthenticatedOperator extends Principal {
  actor: Actor & { type: 'operator' };
  orgId: null;
  role: null;
  account: null;
}
