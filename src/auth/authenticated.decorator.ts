import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { LEAST_ROLE_EXTENSION } from '../common/openapi/least-roles.js';
import { MemberRole } from '../members/member-role.js';
import { AuthenticatedMember } from './authenticated-member.js';

export const BEARER_AUTH_NAME = 'bearer';
export const LEAST_ROLE = 'leastRole';

/**
 * A route for members of at least `role` (default viewer: any member). The global JwtAuthGuard
 * enforces both the token and the role on every route not marked @Public(); this decorator states
 * the role for the guard and documents the bearer security, the 401, the 403 and the least role
 * in OpenAPI, so the document and the server cannot disagree.
 */
export function Authenticated(options: { role?: MemberRole } = {}): MethodDecorator & ClassDecorator {
  const role = options.role ?? MemberRole.Viewer;
  return applyDecorators(
    SetMetadata(LEAST_ROLE, role),
    ApiExtension(LEAST_ROLE_EXTENSION, role),
    ApiBearerAuth(BEARER_AUTH_NAME),
    ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked token', type: ErrorResponseDto }),
    ApiForbiddenResponse({ description: `The caller's role is below ${role}, or the action needs a higher one`, type: ErrorResponseDto }),
  );
}

/** The member the token belongs to, on routes that are not @Public(). */
export const CurrentMember = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedMember =>
    context.switchToHttp().getRequest<{ user: AuthenticatedMember }>().user,
);
