import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { apiKeyOf } from '../api-keys/api-key-format.js';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { ChooseOrganizationError, InvalidTokenError, PersonOnlyError } from '../common/access/access.errors.js';
import type { AuthenticatedMember, Principal } from '../common/access/authenticated-member.js';
import { assertRole } from '../common/access/roles.js';
import { DEFAULT_ROUTE_ACCESS, ROUTE_ACCESS, type RouteAccess } from '../common/access/route-access.js';
import { AccessTokenVerifier, bearerTokenOf } from '../tokens/access-token-verifier.js';
import { AuthenticationService } from './authentication.service.js';

/**
 * The global guard: every route needs a valid bearer token or API key unless it is marked
 * @Public(); the token's account and membership (or the key), as stored now, must still hold it.
 * Organization routes need a token of an organization (an account token gets 403) or a key, whose
 * role reaches the route's least role; account routes need a person (a key gets 403). Token and
 * key failures all answer 401 alike; anything else (the database is down) propagates.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  /** Each route's access, read from its metadata once. */
  private readonly routes = new WeakMap<object, RouteAccess>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
    private readonly authentication: AuthenticationService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (access.kind === 'public' && (!access.acceptsAccountToken || request.headers.authorization === undefined)) return true;
    // The bearer's form tells an API key (`oms_…`) from a token.
    const apiKey = apiKeyOf(request.headers.authorization);
    const principal = apiKey === null ? await this.personOf(request.headers.authorization) : await this.apiKeys.authenticate(apiKey);
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

  /** Who a person's token speaks for, or null when it is missing or not valid now. */
  private async personOf(authorization: string | undefined): Promise<Principal | null> {
    const token = bearerTokenOf(authorization);
    const claims = token === null ? null : this.tokens.verify(token);
    return claims === null ? null : this.authentication.authenticate(claims);
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
