import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { OperatorKeys, operatorKeyId } from './operator-keys.service.js';

const KEY_A = 'operator-key-a-0123456789abcdef0123456789';
const KEY_B = 'operator-key-b-0123456789abcdef0123456789';

function operatorKeys(env: Record<string, string> = {}): OperatorKeys {
  return new OperatorKeys(AppConfig.fromEnvironment({ MONGODB_URI: 'mongodb://127.0.0.1:1/', ...env }));
}

const idOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

describe('OperatorKeys', () => {
  const keys = operatorKeys({ PLATFORM_API_KEYS: `${KEY_A},${KEY_B}` });

  it('answers each configured key with an operator named by the first 12 hex of its SHA-256', () => {
    for (const key of [KEY_A, KEY_B]) {
      expect(keys.authenticate(`Bearer ${key}`)).toEqual({
        actor: { type: 'operator', id: idOf(key) },
        orgId: null,
        role: null,
        account: null,
      });
    }
    expect(idOf(KEY_A)).not.toBe(idOf(KEY_B));
    expect(operatorKeyId(createHash('sha256').update(KEY_A).digest())).toBe(idOf(KEY_A));
  });

  it('takes the scheme in any case, but nothing around the key', () => {
    expect(keys.authenticate(`bearer ${KEY_A}`)?.actor.id).toBe(idOf(KEY_A));
    for (const header of [KEY_A, `Bearer  ${KEY_A}`, `Bearer ${KEY_A} `, `Basic ${KEY_A}`, `Bearer ${KEY_A},${KEY_B}`, 'Bearer ', '']) {
      expect({ header, operator: keys.authenticate(header) }).toEqual({ header, operator: null });
    }
  });

  it('refuses any other key: a prefix, an extension, another case, a JWT, an API key', () => {
    for (const key of [KEY_A.slice(0, -1), `${KEY_A}x`, KEY_A.toUpperCase(), 'eyJhbGciOiJIUzI1NiJ9.e30.sig', `oms_${'x'.repeat(43)}`]) {
      expect({ key, operator: keys.authenticate(`Bearer ${key}`) }).toEqual({ key, operator: null });
    }
    expect(keys.authenticate(undefined)).toBeNull();
  });

  it('refuses everyone while PLATFORM_API_KEYS is unset', () => {
    const none = operatorKeys();
    expect(none.enabled).toBe(false);
    expect(none.authenticate(`Bearer ${KEY_A}`)).toBeNull();
    expect(operatorKeys({ PLATFORM_API_KEYS: '' }).enabled).toBe(false);
  });
});
