import type { ExecutionContext } from '@nestjs/common';
import type { Principal } from '../../common/access/authenticated-member.js';
import { MemberRole } from '../../common/access/member-role.js';
import { ErrorCode } from '../../common/errors/domain.error.js';
import { httpStatusOf } from '../../common/filters/all-exceptions.filter.js';
import { TenantRateLimitedError } from './tenant-rate-limit.errors.js';
import { TenantRateLimitGuard } from './tenant-rate-limit.guard.js';
import { TenantRateLimiter } from './tenant-rate-limiter.js';

const member = (orgId: string): Principal => ({
  actor: { type: 'account', id: `account-of-${orgId}` },
  orgId,
  role: MemberRole.Viewer,
  account: null,
});
const apiKey = (orgId: string): Principal => ({
  actor: { type: 'api_key', id: `key-of-${orgId}` },
  orgId,
  role: MemberRole.Viewer,
  account: null,
});

const contextOf = (request: object) => ({ switchToHttp: () => ({ getRequest: () => request }) }) as unknown as ExecutionContext;

describe('TenantRateLimitGuard', () => {
  const now = 5_000;
  let guard: TenantRateLimitGuard;

  beforeEach(() => {
    guard = new TenantRateLimitGuard(new TenantRateLimiter({ ratePerSecond: 2, now: () => now }));
  });

  const call = (user: Principal | undefined) => () => guard.canActivate(contextOf({ user }));

  it("counts a member's token and an API key of one organization against that organization", () => {
    expect(call(member('org-a'))()).toBe(true);
    expect(call(apiKey('org-a'))()).toBe(true);
    expect(call(apiKey('org-a'))).toThrow(TenantRateLimitedError);
    expect(call(member('org-a'))).toThrow(TenantRateLimitedError);
    expect(call(member('org-b'))()).toBe(true);
  });

  it('refuses with a 429 error that carries Retry-After', () => {
    call(member('org-a'))();
    call(member('org-a'))();
    let refusal: unknown;
    try {
      call(member('org-a'))();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(TenantRateLimitedError);
    expect(refusal).toMatchObject({
      code: ErrorCode.TenantRateLimited,
      retryAfterSeconds: 1,
      message: 'Too many requests for this organization; retry later',
    });
    expect(httpStatusOf(ErrorCode.TenantRateLimited)).toBe(429);
  });

  it('counts a request once when the guard is applied twice (controller and handler)', () => {
    const request = { user: member('org-a') };
    for (let i = 0; i < 5; i += 1) expect(guard.canActivate(contextOf(request))).toBe(true);
    expect(call(member('org-a'))()).toBe(true);
  });

  it('lets a request without an organization through: the global guard decides about those', () => {
    for (let i = 0; i < 5; i += 1) {
      expect(call(undefined)()).toBe(true);
      expect(call({ ...member('x'), orgId: null })()).toBe(true);
    }
  });
});
