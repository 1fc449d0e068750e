import { MemberRole } from './member-role.js';
import { resolveRouteAccess, type RouteAccess } from './route-access.js';

describe('resolveRouteAccess', () => {
  const listing: RouteAccess = { kind: 'operator', publicWhen: 'orgListPublic' };

  it('opens an operator route whose switch is on, and only that', () => {
    expect(resolveRouteAccess(listing, { orgListPublic: true })).toEqual({ kind: 'public', acceptsAccountToken: false });
    expect(resolveRouteAccess(listing, { orgListPublic: false })).toBe(listing);
    const operatorOnly: RouteAccess = { kind: 'operator' };
    expect(resolveRouteAccess(operatorOnly, { orgListPublic: true })).toBe(operatorOnly);
  });

  it('leaves every other kind as declared', () => {
    const organization: RouteAccess = { kind: 'organization', leastRole: MemberRole.Admin };
    expect(resolveRouteAccess(organization, { orgListPublic: true })).toBe(organization);
  });
});
