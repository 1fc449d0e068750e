import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { apiKeyOf } from '../api-keys/api-key-format.js';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import {
  ChooseOrganizationError,
  InvalidOperatorKeyError,
  InvalidTokenError,
  MissingTokenError,
  OrganizationSuspendedError,
  PersonOnlyError,
} from '../common/access/access.errors.js';
import type { AuthenticatedMember, Principal } from '../common/access/authenticated-member.js';
import { assertRole } from '../common/access/roles.js';
import { DEFAULT_ROUTE_ACCESS, resolveRouteAccess, ROUTE_ACCESS, type RouteAccess } from '../common/access/route-access.js';
import { AppConfig } from '../config/app-config.js';
import { OrganizationSuspensions } from '../organizations/organization-suspensions.service.js';
import { OperatorKeys } from '../platform/operator-keys.service.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { AuthenticationService } from './authentication.service.js';
import { attachAuthenticators, type RequestAuthenticators } from './request-authenticators.js';

/** Passport's outcome as the service answers it: a fail (any credential problem) is the one 401; an error (a lookup threw) propagates as it is. */
function outcomeOf<TUser>(error: unknown, user: TUser | false | null): TUser {
  if (error) throw error instanceof Error ? error : new InvalidTokenError();
  if (!user) throw new InvalidTokenError();
  return user;
}

/** Passport's AuthGuard over the `api-key` strategy alone, for requests whose bearer is an API key. */
class ApiKeyPassportGuard extends AuthGuard('api-key') {
  override handleRequest<TUser = Principal>(error: unknown, user: TUser | false | null): TUser {
    return outcomeOf(error, user);
  }
}

/**
 * The global guard (Passport's AuthGuard over the `jwt` strategy, and over `api-key` for a bearer of
 * that form; no session): every route needs a valid bearer token or API key unless it is marked
 * @Public(); the token's account and membership (JwtStrategy), or the key (ApiKeyStrategy), as
 * stored now, must still hold it. Organization routes need a token of an organization (an account
 * token gets 403) of an organization that is not suspended (403), whose role reaches the route's
 * least role; account routes need a person. Operator routes take an operator key and nothing else.
 * No token at all is 401 "Missing bearer token" on every protected route, operator routes included;
 * every problem of a token sent is the one 401 "Invalid or expired token" ("Invalid operator key"
 * on operator routes); anything else (the database is down) propagates.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  /** Each route's access under this configuration, worked out from its metadata once. */
  private readonly routes = new WeakMap<object, RouteAccess>();

  private readonly authenticators: RequestAuthenticators;
  // One strategy per request, chosen by the bearer's form: a key never pays for the JWT strategy's failure (BENCHMARKS.md, API-key record read).
  private readonly keys = new ApiKeyPassportGuard({ session: false });

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly operatorKeys: OperatorKeys,
    private readonly suspensions: OrganizationSuspensions,
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
    if (access.kind === 'operator') {
      // Only an operator key: a member's token or an API key is no operator (401), nor is an operator key anything else.
      const operator = this.operatorKeys.authenticate(request.headers.authorization);
      if (!operator) throw new InvalidOperatorKeyError();
      request.user = operator;
      return true;
    }
    attachAuthenticators(request, this.authenticators);
    // Sets request.user to the principal the strategy found.
    if (apiKeyOf(request.headers.authorization) === null) await super.canActivate(context);
    else await this.keys.canActivate(context);
    const principal = request.user as Principal;
    if (access.kind === 'organization') {
      if (principal.orgId === null || principal.role === null) throw new ChooseOrganizationError();
      // Cached per instance like roles: a suspension applies within the same staleness bound.
      if (await this.suspensions.isSuspended(principal.orgId)) throw new OrganizationSuspendedError();
      assertRole(principal as AuthenticatedMember, access.leastRole);
    } else if (principal.account === null) {
      throw new PersonOnlyError();
    }
    return true;
  }

  override handleRequest<TUser = Principal>(error: unknown, user: TUser | false | null): TUser {
    return outcomeOf(error, user);
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
