import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../filters/error-response.dto.js';
import type { AuthenticatedOperator } from './authenticated-member.js';
import { PUBLIC_SWITCH_VARIABLES, type PublicSwitch, ROUTE_ACCESS, type RouteAccess } from './route-access.js';

/** The OpenAPI security scheme of operator keys (`Authorization: Bearer <key of PLATFORM_API_KEYS>`). */
export const OPERATOR_AUTH_NAME = 'operator';

/** The OpenAPI extension naming the variable that makes an operator route public (see documentPublicSwitches). */
export const PUBLIC_WHEN_EXTENSION = 'x-public-when';

/**
 * A route of the platform's operators: only an operator key passes; member tokens and API keys get
 * 401 like a wrong key (so does everyone while PLATFORM_API_KEYS is unset). With
 * `publicWhen`, the route is public while that configuration switch is on; the document served by
 * an instance states the access that instance applies. Documents the operator security and the 401.
 */
export function OperatorAuthenticated(options: { publicWhen?: PublicSwitch } = {}): MethodDecorator & ClassDecorator {
  const access: RouteAccess = options.publicWhen ? { kind: 'operator', publicWhen: options.publicWhen } : { kind: 'operator' };
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, access),
    ApiBearerAuth(OPERATOR_AUTH_NAME),
    ApiUnauthorizedResponse({
      description: 'Missing bearer token, or an invalid operator key; member tokens and API keys are refused here too',
      type: ErrorResponseDto,
    }),
    ...(options.publicWhen ? [ApiExtension(PUBLIC_WHEN_EXTENSION, PUBLIC_SWITCH_VARIABLES[options.publicWhen])] : []),
  );
}

/** The operator calling an @OperatorAuthenticated() route. */
export const CurrentOperator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedOperator =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedOperator }>().user as AuthenticatedOperator,
);
