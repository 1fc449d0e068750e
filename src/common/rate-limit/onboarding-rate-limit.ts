import { applyDecorators } from '@nestjs/common';
import { NestFastifyApplication, RouteConfig } from '@nestjs/platform-fastify';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import rateLimit from '@fastify/rate-limit';
import { AppConfig } from '../../config/app-config.js';
import { ErrorResponseDto } from '../filters/error-response.dto.js';

const MESSAGE = 'Too many requests from this address; retry later';

/**
 * The per-address limit on routes that create an account and hash a password without a token
 * (POST /org/create, POST /invitations/accept), by @fastify/rate-limit. Only routes marked
 * @OnboardingRateLimited() are limited. Its store is each instance's memory: behind N instances an
 * address gets up to N times the limit, which still bounds the work. Must be registered before
 * the routes are (configureApp runs before the app initialises).
 */
export async function registerOnboardingRateLimit(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    max: config.onboardingRateLimit.limit,
    timeWindow: config.onboardingRateLimit.windowSeconds * 1000,
    // Thrown: the exception filter turns it into the standard error body; Retry-After is already set.
    errorResponseBuilder: (_request, context) => Object.assign(new Error(MESSAGE), { statusCode: context.statusCode }),
  });
}

/** Limits the route per client address (ONBOARDING_RATE_LIMIT per ONBOARDING_RATE_WINDOW_SECONDS) and documents its 429. */
export function OnboardingRateLimited(): MethodDecorator {
  return applyDecorators(
    RouteConfig({ rateLimit: {} }),
    ApiTooManyRequestsResponse({ description: 'Too many from this client address; see Retry-After', type: ErrorResponseDto }),
  );
}
