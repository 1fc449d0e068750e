import { MemberRole } from './member-role.js';

/** Who may call a route; the global guard reads it once per route. */
export type RouteAccess =
  /** A token of an organization, or one of its API keys, with at least this role. The default. */
  | { kind: 'organization'; leastRole: MemberRole }
  /** A person's token, of an organization or not (an account token). API keys are refused. */
  | { kind: 'account' }
  /** Anyone; where `acceptsAccountToken`, a person's token sent along must be valid and names the caller. */
  | { kind: 'public'; acceptsAccountToken: boolean };

export const ROUTE_ACCESS = 'routeAccess';

/** What a route without any access decorator gets: deny by default, down to a viewer's token. */
export const DEFAULT_ROUTE_ACCESS: RouteAccess = { kind: 'organization', leastRole: MemberRole.Viewer };
