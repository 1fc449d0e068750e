import { isObjectIdHex } from '../common/database/object-id.js';

/** What a token asserts beyond the registered claims (iss, aud, exp, iat) the JWT layer checks. */
export interface TokenClaims {
  /** Account id. */
  sub: string;
  /** The organization the token acts in; absent in an account token. */
  org_id?: string;
  /** The membership it acts through (with org_id): a removed member that joins again has another. */
  mid?: string;
  /** The account's credential_version when the token was issued. */
  cv: number;
  /** The token's own id, for revoking just this token (POST /admin/logout). */
  jti: string;
}

/** A verified token's claims and the registered ones the service uses. */
export interface VerifiedClaims {
  sub: string;
  /** null for an account token. */
  org_id: string | null;
  /** The membership's id; null for an account token. */
  mid: string | null;
  cv: number;
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const TOKEN_ID = /^[A-Za-z0-9-]{16,64}$/;

/** The claims of a verified payload, or null when any is missing or malformed. */
export function parseTokenClaims(payload: unknown): VerifiedClaims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { sub, org_id, mid, cv, exp, jti } = payload as Record<string, unknown>;
  // The JWT layer checks exp only when present; a token that never expires is refused here (RFC 8725).
  if (typeof exp !== 'number') return null;
  if (typeof sub !== 'string' || !isObjectIdHex(sub)) return null;
  if (org_id !== undefined && (typeof org_id !== 'string' || !isObjectIdHex(org_id))) return null;
  // A token of an organization names its membership; an account token names neither.
  if ((org_id === undefined) !== (mid === undefined)) return null;
  if (mid !== undefined && (typeof mid !== 'string' || !isObjectIdHex(mid))) return null;
  if (typeof cv !== 'number' || !Number.isSafeInteger(cv) || cv < 1) return null;
  if (typeof jti !== 'string' || !TOKEN_ID.test(jti)) return null;
  return { sub, org_id: org_id ?? null, mid: mid ?? null, cv, jti, exp };
}
