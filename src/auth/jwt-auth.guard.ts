import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import {
  ChooseOrganizationError,
  InvalidOperatorKeyError,
  InvalidTokenError,
  OrganizationSuspendedError,
  PersonOnlyError,
} from '../common/access/access.errors.js';
import type { AuthenticatedMember, Principal } from '../common/access/authenticated-member.js';
import { assertRole } from '../common/access/roles.js';
import { DEFAULT_ROUTE_ACCESS, resolveRouteAccess, ROUTE_ACCESS, type RouteAccess } from '../common/access/route-access.js';
import { AppConfig } from '../config/app-config.js';
import { OrganizationSuspensions } from '../organizations/organization-suspensions.service.js';
import { OperatorKeys } from '../platform/operator-keys.service.js';
import { AccessTokenVerifier, bearerTokenOf } from '../tokens/access-token-verifier.js';
import { AuthenticationService } from './authentication.service.js';

/**
 * The global guard: every route needs a valid bearer token unless it is marked @Public(); the
 * token's account and membership, as stored now, must still hold it. Organization routes need a
 * token of an organization (an account token gets 403) whose role reaches the route's least role,
 * of an organization that is not suspended (403); account routes need a person. Operator routes
 * take an operator key and nothing else. Token failures all answer 401 alike; anything else (the
 * database is down) propagates.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  /** Each route's access under this configuration, worked out from its metadata once. */
  private readonly routes = new WeakMap<object, RouteAccess>();

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly tokens: AccessTokenVerifier,
    private readonly authentication: AuthenticationService,
    private readonly operatorKeys: OperatorKeys,
    private readonly suspensions: OrganizationSuspensions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (access.kind === 'public' && (!access.acceptsAccountToken || request.headers.authorization === undefined)) return true;
    if (access.kind === 'operator') {
      // Only an operator key: a member's token or an API key is no operator (401), nor is an operator key anything else.
      const operator = this.operatorKeys.authenticate(request.headers.authorization);
      if (!operator) throw new InvalidOperatorKeyError();
      request.user = operator;
      return true;
    }
    const token = bearerTokenOf(request.headers.authorization);
    const claims = token === null ? null : this.tokens.verify(token);
    // The organization's suspension (cached) is read beside the token's account and membership.
    const [principal, suspended] = await Promise.all([
      claims === null ? null : this.authentication.authenticate(claims),
      access.kind === 'organization' && claims?.org_id ? this.suspensions.isSuspended(claims.org_id) : false,
    ]);
    if (!principal) throw new InvalidTokenError();
    if (access.kind === 'organization') {
      if (principal.orgId === null || principal.role === null) throw new ChooseOrganizationError();
      // A principal of another origin than the token's claims checks its own organization.
      const orgSuspended = principal.orgId === claims?.org_id ? suspended : await this.suspensions.isSuspended(principal.orgId);
      if (orgSuspended) throw new OrganizationSuspendedError();
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
      const declared = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [handler, context.getClass()]);
      access = resolveRouteAccess(declared ?? DEFAULT_ROUTE_ACCESS, this.config.platform);
      this.routes.set(handler, access);
    }
    return access;
  }
}
