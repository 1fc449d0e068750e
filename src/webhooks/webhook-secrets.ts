import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Endpoint secrets must be readable to sign deliveries, so they cannot be hashed like API keys;
 * they are sealed with AES-256-GCM under a key derived from JWT_SECRET (AppConfig.webhooks), so a
 * copy of the database alone does not let anyone forge deliveries.
 */
export function sealSecret(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

/** The secret, opened with the first key that sealed it (the current JWT_SECRET's, or a previous one's); null when none did. */
export function openSecret(sealed: string, keys: readonly Buffer[]): string | null {
  if (!sealed.startsWith('v1.')) return null;
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  const [iv, tag, data] = [raw.subarray(0, 12), raw.subarray(12, 28), raw.subarray(28)];
  for (const key of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      // Sealed under another key: try the next one.
    }
  }
  return null;
}
