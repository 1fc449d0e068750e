/** Roles, lowest first. Each may do what the ones below it may. */
export enum MemberRole {
  Viewer = 'viewer',
  Member = 'member',
  Admin = 'admin',
  Owner = 'owner',
}

export const MEMBER_ROLES: readonly MemberRole[] = [MemberRole.Viewer, MemberRole.Member, MemberRole.Admin, MemberRole.Owner];

/** True when `role` is `least` or above it. */
export function hasRole(role: MemberRole, least: MemberRole): boolean {
  return MEMBER_ROLES.indexOf(role) >= MEMBER_ROLES.indexOf(least);
}
