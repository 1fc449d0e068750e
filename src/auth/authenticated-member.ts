import type { MemberRole } from '../members/member-role.js';

/** Who made an authenticated request: set on the request by JwtAuthGuard from the stored member. */
export interface AuthenticatedMember {
  memberId: string;
  orgId: string;
  email: string;
  /** As stored now (within the cache's staleness bound), never from the token. */
  role: MemberRole;
  /** The credential version the token was issued for (equal to the stored one when it was checked). */
  credentialVersion: number;
  /** The presented token's id and expiry, for logging this token out. */
  token: { id: string; expiresAt: Date };
}
