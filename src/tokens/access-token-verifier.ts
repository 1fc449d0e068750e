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

/** What a token's signature check requires besides its key: HS256 only, this service's issuer and audience, no leeway on `exp`. */
export function verificationRules(config: AppConfig): { algorithms: 'HS256'[]; issuer: string; audience: string; clockTolerance: number } {
  return { algorithms: ['HS256'], issuer: config.jwt.issuer, audience: config.jwt.audience, clockTolerance: 0 };
}

/** The token of an `Authorization: Bearer` header, or null when there is none in that exact form. */
export function bearerTokenOf(authorization: string | undefined): string | null {
  return authorization === undefined ? null : (BEARER_TOKEN.exec(authorization)?.[1] ?? null);
}

/**
 * Verifies access tokens: HS256 only, signed by the key its `kid` names (JWT_SECRET or one of
 * JWT_PREVIOUS_SECRETS), with this service's issuer and audience, not expired, and carrying the
 * claims the service issues. A token that verified is remembered by its exact text, so a client's
 * next requests with it cost a map lookup and the expiry check instead of a signature check.
 * JwtStrategy uses the parts (memory, key, claims) around passport-jwt's signature check.
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
    const remembered = this.remembered(token);
    if (remembered !== undefined) return remembered;
    return this.admit(token, this.verifySignedToken(token));
  }

  /** A token that verified here lately: its claims while unexpired, null once expired; undefined when not remembered. */
  remembered(token: string): VerifiedClaims | null | undefined {
    const claims = this.verified.peek(token);
    return claims === undefined || isUnexpired(claims) ? claims : null;
  }

  /** The key the token's `kid` names; undefined (refused) when it names none of ours. */
  keyFor(token: string): KeyObject | undefined {
    return keyOf(token, this.config.jwt.verificationKeys);
  }

  /** The claims of a payload whose signature, issuer, audience and expiry verified, remembered by the token's text; null when malformed. */
  admit(token: string, payload: unknown): VerifiedClaims | null {
    const claims = parseTokenClaims(payload);
    if (claims) this.verified.set(token, claims);
    return claims;
  }

  private verifySignedToken(token: string): unknown {
    const key = this.keyFor(token);
    if (!key) return null;
    try {
      // jsonwebtoken takes a KeyObject; @nestjs/jwt's types predate it (see AppConfig.jwt.key).
      return this.jwt.verify(token, { secret: key as unknown as Buffer, ...verificationRules(this.config) });
    } catch {
      // Bad signature, expired, wrong issuer or audience: all simply not a valid token (401).
      return null;
    }
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
