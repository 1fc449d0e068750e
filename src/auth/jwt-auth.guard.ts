import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { MemberRole } from '../members/member-role.js';
import { bearerTokenOf, AccessTokenVerifier } from './access-token-verifier.js';
import { InvalidTokenError } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import { AuthenticatedMember } from './authenticated-member.js';
import { LEAST_ROLE } from './authenticated.decorator.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';
import { assertRole } from './roles.js';

/**
 * The global guard: every route needs a valid bearer token unless it is marked @Public(); the
 * token's member, as stored now, must still hold it, and its role must reach the route's least role
 * (viewer where none is stated). Token failures all answer 401 alike; anything else (the database
 * is down) propagates.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  /** Each route's policy, read from its metadata once. */
  private readonly policies = new WeakMap<object, { isPublic: boolean; leastRole: MemberRole }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.policyOf(context);
    if (policy.isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthenticatedMember }>();
    const token = bearerTokenOf(request.headers.authorization);
    const claims = token === null ? null : this.tokens.verify(token);
    const member = claims === null ? null : await this.auth.authenticate(claims);
    if (!member) throw new InvalidTokenError();
    assertRole(member, policy.leastRole);
    request.user = member;
    return true;
  }

  private policyOf(context: ExecutionContext): { isPublic: boolean; leastRole: MemberRole } {
    const handler = context.getHandler();
    let policy = this.policies.get(handler);
    if (!policy) {
      const targets = [handler, context.getClass()];
      policy = {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_ROUTE, targets) === true,
        leastRole: this.reflector.getAllAndOverride<MemberRole | undefined>(LEAST_ROLE, targets) ?? MemberRole.Viewer,
      };
      this.policies.set(handler, policy);
    }
    return policy;
  }
}
