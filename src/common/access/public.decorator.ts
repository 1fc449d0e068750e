import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ROUTE_ACCESS, type RouteAccess } from './route-access.js';

export const IS_PUBLIC_ROUTE = 'isPublicRoute';

/**
 * Opens a route (or every route of a controller) to callers without a token; all others need one.
 * With `acceptsAccountToken`, a person's token may be sent along (an existing account creating an
 * organization or accepting an invitation): it must then be valid, and names the caller.
 */
export function Public(options: { acceptsAccountToken?: boolean } = {}): MethodDecorator & ClassDecorator {
  const access: RouteAccess = { kind: 'public', acceptsAccountToken: options.acceptsAccountToken === true };
  return applyDecorators(SetMetadata(IS_PUBLIC_ROUTE, true), SetMetadata(ROUTE_ACCESS, access));
}
