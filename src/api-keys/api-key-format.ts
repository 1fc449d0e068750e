import { createHash, randomBytes } from 'node:crypto';

/** Every API key starts with this, so a bearer credential's form tells a key from a token. */
export const API_KEY_PREFIX = 'oms_';

const KEY_BYTES = 32;

/** `oms_` and 32 random bytes in base64url (43 characters, no padding). */
const API_KEY = /^oms_[A-Za-z0-9_-]{43}$/;

/** The credential of an `Authorization: Bearer oms_…` header: the guard's one test for "an API key, not a token". */
const API_KEY_BEARER = /^Bearer (oms_[A-Za-z0-9_-]*)$/i;

/** A new key: 256 random bits. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;
}

/** True when the text has the exact form of a key this service issues. */
export function isApiKeyShaped(text: string): boolean {
  return API_KEY.test(text);
}

/** What is stored and looked up: SHA-256 (hex). A key has 256 random bits, so no slow hash is needed. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key sent as `Authorization: Bearer oms_…`, or null when the header holds no API key (a token, or nothing). */
export function apiKeyOf(authorization: string | undefined): string | null {
  return authorization === undefined ? null : (API_KEY_BEARER.exec(authorization)?.[1] ?? null);
}
