import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { AuthenticatedOperator } from '../common/access/authenticated-member.js';
import { AppConfig, sha256 } from '../config/app-config.js';

// `Bearer <key>`, one space, the key without whitespace (PLATFORM_API_KEYS allows none in a key).
const BEARER_KEY = /^Bearer (\S+)$/i;

/** Hex characters of a key's SHA-256 digest that name it in audit events and logs. */
const KEY_ID_LENGTH = 12;

/**
 * A stable, non-secret name of an operator key: the first 12 hex characters of its SHA-256 digest
 * (`printf %s "$KEY" | sha256sum | cut -c1-12`). It says nothing usable about the key.
 */
export function operatorKeyId(digest: Buffer): string {
  return digest.toString('hex').slice(0, KEY_ID_LENGTH);
}

/**
 * Checks operator keys (PLATFORM_API_KEYS). A presented key is hashed once with SHA-256 and its
 * digest compared with the digest of every configured key in constant time, all of them every
 * time, so neither the answer's timing nor its cost says which key, or how much of one, matched.
 */
@Injectable()
export class OperatorKeys {
  private readonly keys: { digest: Buffer; operator: AuthenticatedOperator }[];

  constructor(config: AppConfig) {
    this.keys = config.platform.operatorKeyDigests.map((digest) => ({
      digest,
      operator: Object.freeze({ actor: { type: 'operator' as const, id: operatorKeyId(digest) }, orgId: null, role: null, account: null }),
    }));
  }

  /** Whether any operator key is configured; without one, every operator route answers 401. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The operator whose key the `Authorization` header carries, or null for anything else (a JWT, an API key, nothing). */
  authenticate(authorization: string | undefined): AuthenticatedOperator | null {
    if (!this.enabled || authorization === undefined) return null;
    const key = BEARER_KEY.exec(authorization)?.[1];
    if (key === undefined) return null;
    const digest = sha256(key);
    let matched: AuthenticatedOperator | null = null;
    for (const known of this.keys) {
      if (timingSafeEqual(known.digest, digest)) matched = known.operator;
    }
    return matched;
  }
}
