import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import { AuthService } from './auth.service.js';
import { AuthenticatedMember } from './authenticated-member.js';

// Exactly `Bearer <three base64url parts>`: anything else around the token is refused.
const BEARER_TOKEN = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/** The key named by the token's `kid`; a token without a known one is refused. */
function keyOf(token: string, keys: ReadonlyMap<string, KeyObject>): KeyObject | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
  } catch {
    // Not JSON: not a token of ours.
    return undefined;
  }
}

function bearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  return typeof header === 'string' ? (BEARER_TOKEN.exec(header)?.[1] ?? null) : null;
}

/** Verifies HS256 bearer tokens (algorithm pinned; kid, iss, aud and exp required), then the credential version and revocation. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // KeyObjects, not strings (see AppConfig.jwt.key); passport-jwt passes them through, though
      // its types predate KeyObject. The current key and JWT_PREVIOUS_SECRETS verify, chosen by `kid`.
      secretOrKeyProvider: (_request: unknown, token: string, done: (error: Error | null, key?: Buffer) => void) => {
        const key = keyOf(token, config.jwt.verificationKeys);
        if (key) done(null, key as unknown as Buffer);
        else done(new Error('Unknown signing key'));
      },
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
