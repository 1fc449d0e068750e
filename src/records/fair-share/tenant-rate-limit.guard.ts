import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/access/authenticated-member.js';
import { TenantRateLimitedError } from './tenant-rate-limit.errors.js';
import { TenantRateLimiter } from './tenant-rate-limiter.js';

/** Marks a request already counted, so that the guard applied twice (class and method) counts it once. */
const COUNTED = Symbol('tenantRateLimitCounted');

/**
 * Fair share: counts the request against its organization's TENANT_RATE_LIMIT and refuses it with
 * 429 + Retry-After beyond that. Runs after the global authentication guard (controller guards
 * come after APP_GUARDs), so the organization is the authenticated caller's, as @CurrentMember()
 * reads it: a member's token and an API key of one organization share its budget. A request
 * without an organization is not limited here: on an @Authenticated() route the global guard
 * has already refused it. Apply it with @TenantRateLimited().
 */
@Injectable()
export class TenantRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: TenantRateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ user?: Principal; [COUNTED]?: true }>();
    const orgId = request.user?.orgId;
    if (!orgId || request[COUNTED]) return true;
    request[COUNTED] = true;
    const retryAfterSeconds = this.limiter.admit(orgId);
    if (retryAfterSeconds > 0) throw new TenantRateLimitedError(retryAfterSeconds);
    return true;
  }
}
