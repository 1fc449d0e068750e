import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';
import { ExpiringCache } from '../common/cache/expiring-cache.js';
import { AppConfig } from '../config/app-config.js';
import { parseTokenClaims, type VerifiedClaims } from './token-claims.js';

// Exactly `Bearer <three base64url parts>`: anything else around the token is refused.
const BEARER_TOKEN = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/** Tokens whose verification this instance remembers: enough for every session active in a minute on a busy instance. */
const VERIFIED_TOKEN_ENTRIES = 10_000;
const VERIFIED_TOKEN_TTL_MS = 60_000;

/** The token of an `Authorization: Bearer` header, or null when there is none in that exact form. */
export function bearerTokenOf(authorization: string | undefined): string | null {
  return authorization === undefined ? null : (BEARER_TOKEN.exec(authorization)?.[1] ?? null);
}

/**
 * Verifies access tokens: HS256 only, signed by the key its `kid` names (JWT_SECRET or one of
 * JWT_PREVIOUS_SECRETS), with this service's issuer and audience, not expired, and carrying the
 * claims the service issues. A token that verified is remembered by its exact text, so a client's
 * next requests with it cost a map lookup and the expiry check instead of a signature check.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly verified = new ExpiringCache<VerifiedClaims>({ ttlMs: VERIFIED_TOKEN_TTL_MS, maxEntries: VERIFIED_TOKEN_ENTRIES });

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /** The token's claims, or null when it is not a valid, unexpired token of this service. */
  verify(token: string): VerifiedClaims | null {
    const remembered = this.verified.peek(token);
    if (remembered) return isUnexpired(remembered) ? remembered : null;
    const claims = this.verifySignedToken(token);
    if (claims) this.verified.set(token, claims);
    return claims;
  }

  private verifySignedToken(token: string): VerifiedClaims | null {
    const key = keyOf(token, this.config.jwt.verificationKeys);
    if (!key) return null;
    let payload: unknown;
    try {
      payload = this.jwt.verify(token, {
        // jsonwebtoken takes a KeyObject; @nestjs/jwt's types predate it (see AppConfig.jwt.key).
        secret: key as unknown as Buffer,
        algorithms: ['HS256'],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        clockTolerance: 0,
      });
    } catch {
      // Bad signature, expired, wrong issuer or audience: all simply not a valid token (401).
      return null;
    }
    return parseTokenClaims(payload);
  }
}

/** The JWT layer's own rule: valid while the current second is before `exp`. */
function isUnexpired(claims: VerifiedClaims): boolean {
  return Math.floor(Date.now() / 1000) < claims.exp;
}

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
