import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { AuthenticatedAdmin } from './authenticated-admin.js';

export const BEARER_AUTH_NAME = 'bearer';

/**
 * Documents a route's bearer security and its 401. The global JwtAuthGuard enforces it on every
 * route not marked @Public(), so the document and the server cannot disagree.
 */
export function Authenticated(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(BEARER_AUTH_NAME),
    ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked token', type: ErrorResponseDto }),
  );
}

/** The admin the token belongs to, on routes that are not @Public(). */
export const CurrentAdmin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedAdmin => context.switchToHttp().getRequest().user,
);
