import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ChooseOrganizationError, InvalidTokenError, PersonOnlyError } from '../common/access/access.errors.js';
import type { AuthenticatedMember, Principal } from '../common/access/authenticated-member.js';
import { assertRole } from '../common/access/roles.js';
import { DEFAULT_ROUTE_ACCESS, ROUTE_ACCESS, type RouteAccess } from '../common/access/route-access.js';
import { AccessTokenVerifier, bearerTokenOf } from '../tokens/access-token-verifier.js';
import { AuthenticationService } from './authentication.service.js';

/**
 * The global guard: every route needs a valid bearer token unless it is marked @Public(); the
 * token's account and membership, as stored now, must still hold it. Organization routes need a
 * token of an organization (an account token gets 403) whose role reaches the route's least role;
 * account routes need a person. Token failures all answer 401 alike; anything else (the database
 * is down) propagates.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  /** Each route's access, read from its metadata once. */
  private readonly routes = new WeakMap<object, RouteAccess>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
    private readonly authentication: AuthenticationService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (access.kind === 'public' && (!access.acceptsAccountToken || request.headers.authorization === undefined)) return true;
    const token = bearerTokenOf(request.headers.authorization);
    const claims = token === null ? null : this.tokens.verify(token);
    const principal = claims === null ? null : await this.authentication.authenticate(claims);
    if (!principal) throw new InvalidTokenError();
    if (access.kind === 'organization') {
      if (principal.orgId === null || principal.role === null) throw new ChooseOrganizationError();
      assertRole(principal as AuthenticatedMember, access.leastRole);
    } else if (principal.account === null) {
      throw new PersonOnlyError();
    }
    request.user = principal;
    return true;
  }

  private accessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    let access = this.routes.get(handler);
    if (!access) {
      access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [handler, context.getClass()]) ?? DEFAULT_ROUTE_ACCESS;
      this.routes.set(handler, access);
    }
    return access;
  }
}
