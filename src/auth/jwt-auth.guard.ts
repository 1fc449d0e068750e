import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { MemberRole } from '../members/member-role.js';
import { InvalidTokenError } from './auth.errors.js';
import { AuthenticatedMember } from './authenticated-member.js';
import { LEAST_ROLE } from './authenticated.decorator.js';
import { assertRole } from './roles.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';

/**
 * The global guard: every route needs a valid token unless it is marked @Public(), and the
 * stored member's role must reach the route's least role (viewer where none is stated).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_ROUTE, targets)) return true;
    await super.canActivate(context);
    const member = context.switchToHttp().getRequest<{ user: AuthenticatedMember }>().user;
    assertRole(member, this.reflector.getAllAndOverride<MemberRole | undefined>(LEAST_ROLE, targets) ?? MemberRole.Viewer);
    return true;
  }

  // Token failures all look alike (401); anything else (e.g. the database is down) propagates.
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error instanceof Error ? error : new InvalidTokenError();
    if (!user) throw new InvalidTokenError();
    return user;
  }
}
