import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { AuthenticatedAdmin } from './authenticated-admin.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

export const BEARER_AUTH_NAME = 'bearer';

/** Guards a route with the JWT guard and documents its bearer security, always together. */
export function Authenticated(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(JwtAuthGuard),
    ApiBearerAuth(BEARER_AUTH_NAME),
    ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked token', type: ErrorResponseDto }),
  );
}

/** The admin the token belongs to. Only meaningful on routes marked @Authenticated(). */
export const CurrentAdmin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedAdmin => context.switchToHttp().getRequest().user,
);
