import { InsufficientRoleError } from './access.errors.js';
import { hasRole, MemberRole } from './member-role.js';

/** Throws 403 `Requires role <least>` unless the caller's stored role reaches it. */
export function assertRole(caller: { role: MemberRole }, least: MemberRole): void {
  if (!hasRole(caller.role, least)) throw new InsufficientRoleError(least);
}
