import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../filters/error-response.dto.js';
import { LEAST_ROLE_BY_REQUEST_EXTENSION, LEAST_ROLE_EXTENSION, LEAST_ROLE_NOTE_EXTENSION } from '../openapi/least-roles.js';
import type { AuthenticatedAccount, AuthenticatedMember, Principal } from './authenticated-member.js';
import { MemberRole } from './member-role.js';
import { ROUTE_ACCESS, type RouteAccess } from './route-access.js';

export const BEARER_AUTH_NAME = 'bearer';

const UNAUTHORIZED = { description: 'Missing, invalid, expired or revoked token', type: ErrorResponseDto };

/**
 * A route of the token's organization for members (or API keys) of at least `role` (default
 * viewer). The global guard enforces the token, the organization and the role on every route not
 * marked otherwise; this decorator states the role for the guard and documents the bearer
 * security, the 401, the 403 and the least role in OpenAPI, so the document and the server cannot
 * disagree. `roleNote` documents what needs more than `role`; `roleByRequest` documents a route
 * whose role depends on what the request asks, each case with its role (`role` is the least of them,
 * what the guard checks; the service checks the rest).
 */
export function Authenticated(
  options: { role?: MemberRole; roleNote?: string; roleByRequest?: string } = {},
): MethodDecorator & ClassDecorator {
  const role = options.role ?? MemberRole.Viewer;
  const access: RouteAccess = { kind: 'organization', leastRole: role };
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, access),
    ApiExtension(LEAST_ROLE_EXTENSION, role),
    ...(options.roleNote ? [ApiExtension(LEAST_ROLE_NOTE_EXTENSION, options.roleNote)] : []),
    ...(options.roleByRequest ? [ApiExtension(LEAST_ROLE_BY_REQUEST_EXTENSION, options.roleByRequest)] : []),
    ApiBearerAuth(BEARER_AUTH_NAME),
    ApiUnauthorizedResponse(UNAUTHORIZED),
    ApiForbiddenResponse({
      description: `The caller's role is below ${role} (or the action needs a higher one), or an account token chose no organization`,
      type: ErrorResponseDto,
    }),
  );
}

/** A route about a person's own account: any token of the account, with or without an organization; API keys get 403. */
export function AccountAuthenticated(): MethodDecorator & ClassDecorator {
  const access: RouteAccess = { kind: 'account' };
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, access),
    ApiBearerAuth(BEARER_AUTH_NAME),
    ApiUnauthorizedResponse(UNAUTHORIZED),
    ApiForbiddenResponse({ description: 'An API key: this route is for a person', type: ErrorResponseDto }),
  );
}

function principalOf(context: ExecutionContext): Principal | undefined {
  return context.switchToHttp().getRequest<{ user?: Principal }>().user;
}

/** The caller of an @Authenticated() route: a member of the organization, or an API key of it. */
export const CurrentMember = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedMember => principalOf(context) as AuthenticatedMember,
);

/** The person calling an @AccountAuthenticated() route. */
export const CurrentAccount = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedAccount => principalOf(context) as AuthenticatedAccount,
);

/** On a @Public({acceptsAccountToken}) route: the person whose token came along, or null. */
export const OptionalAccount = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedAccount | null =>
    (principalOf(context) as AuthenticatedAccount | undefined) ?? null,
);
