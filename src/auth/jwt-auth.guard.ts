import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { InvalidTokenError } from './auth.errors.js';

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  // Token failures all look alike (401); anything else (e.g. the database is down) propagates.
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) throw new InvalidTokenError();
    return user;
  }
}
