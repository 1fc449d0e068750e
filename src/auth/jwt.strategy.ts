import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { IncomingMessage } from 'node:http';
import { Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import { AuthService } from './auth.service.js';
import { AuthenticatedMember } from './authenticated-member.js';

// Exactly `Bearer <three base64url parts>`: anything else around the token is refused.
const BEARER_TOKEN = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

function bearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  return typeof header === 'string' ? (BEARER_TOKEN.exec(header)?.[1] ?? null) : null;
}

/** Verifies HS256 bearer tokens (algorithm pinned; iss, aud and exp required), then the credential version. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // A KeyObject, not the string (see AppConfig.jwt.key); passport-jwt passes it through,
      // though its types predate KeyObject.
      secretOrKey: config.jwt.key as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { complete: false, clockTolerance: 0 },
    });
  }

  async validate(payload: unknown): Promise<AuthenticatedMember | false> {
    return (await this.auth.authenticate(payload)) ?? false;
  }
}
