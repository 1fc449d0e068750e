import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Where a request came from; null for work the reconciler finishes. */
export interface RequestOrigin {
  ip: string | null;
  requestId: string | null;
}

export const RECOVERY_ORIGIN: RequestOrigin = { ip: null, requestId: null };

/** The client address (per TRUST_PROXY) and request id of the request, for the audit log. */
export const Origin = createParamDecorator((_data: unknown, context: ExecutionContext): RequestOrigin => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return { ip: request.ip, requestId: String(request.id) };
});
