import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ChooseOrganizationError, InvalidTokenError, MissingTokenError, PersonOnlyError } from '../common/access/access.errors.js';
import type { AuthenticatedMember, Principal } from '../common/access/authenticated-member.js';
import { assertRole } from '../common/access/roles.js';
import { DEFAULT_ROUTE_ACCESS, ROUTE_ACCESS, type RouteAccess } from '../common/access/route-access.js';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { AuthenticationService } from './authentication.service.js';
import { attachAuthenticators, type RequestAuthenticators } from './request-authenticators.js';

/**
 * The global guard (Passport's AuthGuard over the `jwt` and `api-key` strategies, no session):
 * every route needs a valid bearer token or API key unless it is marked @Public(); the token's
 * account and membership (JwtStrategy), or the key (ApiKeyStrategy), as stored now, must still
 * hold it. Organization routes need a token of an organization (an account token
 * gets 403) whose role reaches the route's least role; account routes need a person. No token at
 * all is 401 "Missing bearer token"; every problem of a token sent is the one 401 "Invalid or
 * expired token"; anything else (the database is down) propagates.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(['jwt', 'api-key']) {
  /** Each route's access, read from its metadata once. */
  private readonly routes = new WeakMap<object, RouteAccess>();

  private readonly authenticators: RequestAuthenticators;

  constructor(
    private readonly reflector: Reflector,
    tokens: AccessTokenVerifier,
    authentication: AuthenticationService,
    apiKeys: ApiKeysService,
  ) {
    super();
    this.authenticators = { tokens, authentication, apiKeys };
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const sent = request.headers.authorization !== undefined;
    if (access.kind === 'public' && (!access.acceptsAccountToken || !sent)) return true;
    if (!sent) throw new MissingTokenError();
    attachAuthenticators(request, this.authenticators);
    // Sets request.user to the principal a strategy found.
    await super.canActivate(context);
    const principal = request.user as Principal;
    if (access.kind === 'organization') {
      if (principal.orgId === null || principal.role === null) throw new ChooseOrganizationError();
      assertRole(principal as AuthenticatedMember, access.leastRole);
    } else if (principal.account === null) {
      throw new PersonOnlyError();
    }
    return true;
  }

  // Passport's outcome: a fail (any token problem) is the service's one 401; an error (the lookup threw) propagates as it is.
  override handleRequest<TUser = Principal>(error: unknown, user: TUser | false | null): TUser {
    if (error) throw error instanceof Error ? error : new InvalidTokenError();
    if (!user) throw new InvalidTokenError();
    return user;
  }

  private accessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    let access = this.routes.get(handler);
    if (!access) {
      access =
        this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [handler, context.getClass()]) ?? DEFAULT_ROUTE_ACCESS;
      this.routes.set(handler, access);
    }
    return access;
  }
}
