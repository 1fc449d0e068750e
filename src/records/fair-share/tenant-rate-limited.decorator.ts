import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/filters/error-response.dto.js';
import { TenantRateLimitGuard } from './tenant-rate-limit.guard.js';

/**
 * Puts every route of a controller under `/org/records` on its organization's fair share
 * (TENANT_RATE_LIMIT requests per second per organization, per instance; then 429 with
 * Retry-After) and documents that 429. Put it on the controller class, next to @Controller(); the
 * controller's module must import FairShareModule, whose one limiter all such controllers share.
 */
export function TenantRateLimited(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(TenantRateLimitGuard),
    ApiTooManyRequestsResponse({
      description: "Over the organization's TENANT_RATE_LIMIT requests per second on /org/records* (per instance); see Retry-After",
      type: ErrorResponseDto,
    }),
  );
}
