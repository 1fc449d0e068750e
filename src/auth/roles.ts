import { hasRole, MemberRole } from '../members/member-role.js';
import { InsufficientRoleError } from './auth.errors.js';
import type { AuthenticatedMember } from './authenticated-member.js';

/** Throws 403 `Requires role <least>` unless the caller's stored role reaches it. */
export function assertRole(caller: Pick<AuthenticatedMember, 'role'>, least: MemberRole): void {
  if (!hasRole(caller.role, least)) throw new InsufficientRoleError(least);
}
