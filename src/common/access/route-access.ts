import { MemberRole } from './member-role.js';

/** Configuration switches that open an operator route to everyone (AppConfig.platform). */
export type PublicSwitch = 'orgListPublic';

/** The environment variable behind each switch, for the API documents. */
export const PUBLIC_SWITCH_VARIABLES: Record<PublicSwitch, string> = { orgListPublic: 'ORG_LIST_PUBLIC' };

/** Who may call a route; the global guard reads it once per route. */
export type RouteAccess =
  /** A token of an organization, or one of its API keys, with at least this role. The default. */
  | { kind: 'organization'; leastRole: MemberRole }
  /** A person's token, of an organization or not (an account token). API keys are refused. */
  | { kind: 'account' }
  /** Anyone; where `acceptsAccountToken`, a person's token sent along must be valid and names the caller. */
  | { kind: 'public'; acceptsAccountToken: boolean }
  /**
   * An operator key (PLATFORM_API_KEYS) and nothing else: member tokens and API keys get 401. Where
   * `publicWhen` names a switch that is on, the route is public instead.
   */
  | { kind: 'operator'; publicWhen?: PublicSwitch };

export const ROUTE_ACCESS = 'routeAccess';

/** What a route without any access decorator gets: deny by default, down to a viewer's token. */
export const DEFAULT_ROUTE_ACCESS: RouteAccess = { kind: 'organization', leastRole: MemberRole.Viewer };

const PUBLIC_ACCESS: RouteAccess = { kind: 'public', acceptsAccountToken: false };

/** The access a route has under this configuration: an operator route whose switch is on is public. */
export function resolveRouteAccess(access: RouteAccess, switches: Readonly<Record<PublicSwitch, boolean>>): RouteAccess {
  return access.kind === 'operator' && access.publicWhen !== undefined && switches[access.publicWhen] ? PUBLIC_ACCESS : access;
}
