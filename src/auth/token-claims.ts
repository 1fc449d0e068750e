import { isObjectIdHex } from '../common/database/object-id.js';

/** What a token asserts beyond the registered claims (iss, aud, exp, iat) the JWT layer checks. */
export interface TokenClaims {
  /** Admin id. */
  sub: string;
  org_id: string;
  /** The admin's credential_version when the token was issued. */
  cv: number;
}

/** The claims of a verified payload, or null when any is missing or malformed. */
export function parseTokenClaims(payload: unknown): TokenClaims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { sub, org_id, cv, exp } = payload as Record<string, unknown>;
  // The JWT layer checks exp only when present; a token that never expires is refused here (RFC 8725).
  if (typeof exp !== 'number') return null;
  if (typeof sub !== 'string' || !isObjectIdHex(sub)) return null;
  if (typeof org_id !== 'string' || !isObjectIdHex(org_id)) return null;
  if (typeof cv !== 'number' || !Number.isSafeInteger(cv) || cv < 1) return null;
  return { sub, org_id, cv };
}
