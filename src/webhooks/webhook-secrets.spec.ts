import { randomBytes } from 'node:crypto';
import { openSecret, sealSecret } from './webhook-secrets.js';

describe('webhook secrets at rest', () => {
  const current = randomBytes(32);
  const previous = randomBytes(32);

  it('opens what it sealed, and the sealed form does not contain the secret', () => {
    const sealed = sealSecret('whsec_c2VjcmV0', current);
    expect(sealed).not.toContain('c2VjcmV0');
    expect(openSecret(sealed, [current])).toBe('whsec_c2VjcmV0');
  });

  it('opens a secret sealed under a previous key, and nothing under an unknown one', () => {
    const sealed = sealSecret('whsec_b2xk', previous);
    expect(openSecret(sealed, [current, previous])).toBe('whsec_b2xk');
    expect(openSecret(sealed, [current])).toBeNull();
  });

  it('refuses a tampered or unknown form', () => {
    const sealed = sealSecret('whsec_eA==', current);
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(openSecret(tampered, [current])).toBeNull();
    expect(openSecret('whsec_plain', [current])).toBeNull();
  });
});
