import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { keyIdOf } from '../../src/config/app-config.js';
import { expectError } from '../support/expect-error.js';
import { createOrgWithToken, useOrgWithToken, useTestApp } from '../support/session.js';
import { TEST_JWT_SECRET } from '../support/test-app.js';

type Claims = Record<string, unknown>;

const base64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/** Signed with `secret`, under the `kid` of the service's real key unless told otherwise. */
function hmacToken(claims: Claims, secret: string, alg: 'HS256' | 'HS512' = 'HS256', kid = keyIdOf(TEST_JWT_SECRET)): string {
  const signingInput = `${base64url({ alg, typ: 'JWT', kid })}.${base64url(claims)}`;
  const digest = alg === 'HS256' ? 'sha256' : 'sha512';
  return `${signingInput}.${createHmac(digest, secret).update(signingInput).digest('base64url')}`;
}

function rs256Token(claims: Claims): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${signingInput}.${createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url')}`;
}

function unsignedToken(claims: Claims): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

function claimsOf(token: string): Claims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

const now = () => Math.floor(Date.now() / 1000);

describe('token attacks (e2e)', () => {
  const t = useTestApp();
  /** Org A, whose real token every attack starts from, and the claims that token carries. */
  const orgA = useOrgWithToken(t);
  const otherOrg = useOrgWithToken(t);
  let claims: Claims;

  beforeAll(() => {
    claims = claimsOf(orgA.token);
  });

  /** Every protected route answers a bad token with the same generic 401. */
  async function expectRefusedEverywhere(presented: string): Promise<void> {
    const responses = [
      await t.withToken(presented).get('/org/collection/stats'),
      await t.withToken(presented).get('/org/records'),
      await t.withToken(presented).post('/org/records').send({ planted: true }),
      await t.withToken(presented).put('/org/update').send({ organization_name: 'Taken Over' }),
    ];
    for (const response of responses) {
      expectError(response, 401, 'Invalid or expired token');
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
  }

  it('accepts the real token (the baseline every attack below differs from), and one the test signs the same way', async () => {
    await t.withToken(orgA.token).get('/org/collection/stats').expect(200);
    await t.withToken(hmacToken(claims, TEST_JWT_SECRET)).get('/org/collection/stats').expect(200);
    expect(claims).toEqual(expect.objectContaining({ sub: expect.any(String), org_id: expect.any(String), iss: expect.any(String) }));
  });

  it.each<[string, () => string]>([
    ['alg "none" without a signature', () => unsignedToken(claims)],
    ['an HS512 header, signed with the real secret', () => hmacToken(claims, TEST_JWT_SECRET, 'HS512')],
    ['an RS256 header, signed with a key of the attacker', () => rs256Token(claims)],
    ['a wrong secret', () => hmacToken(claims, 'an-attacker-guess-that-is-long-enough-0000')],
    ['a wrong issuer', () => hmacToken({ ...claims, iss: 'someone-else' }, TEST_JWT_SECRET)],
    ['a wrong audience', () => hmacToken({ ...claims, aud: 'another-api' }, TEST_JWT_SECRET)],
    ['an expired exp', () => hmacToken({ ...claims, iat: now() - 7200, exp: now() - 3600 }, TEST_JWT_SECRET)],
    ['no exp at all', () => hmacToken({ ...claims, exp: undefined }, TEST_JWT_SECRET)],
    ['an org_id that is not an id', () => hmacToken({ ...claims, org_id: { $ne: null } }, TEST_JWT_SECRET)],
    ['a null org_id', () => hmacToken({ ...claims, org_id: null }, TEST_JWT_SECRET)],
    ['org_id without the membership it acts through', () => hmacToken({ ...claims, mid: undefined }, TEST_JWT_SECRET)],
    [
      'a membership id that is not the account’s membership',
      () => hmacToken({ ...claims, mid: '507f1f77bcf86cd799439011' }, TEST_JWT_SECRET),
    ],
    ['no sub', () => hmacToken({ ...claims, sub: undefined }, TEST_JWT_SECRET)],
    ['a sub that is not an account id', () => hmacToken({ ...claims, sub: { $ne: null } }, TEST_JWT_SECRET)],
    [
      'the org_id removed (an account token), under the original signature',
      () => {
        const [header, , signature] = orgA.token.split('.');
        return `${header}.${base64url({ ...claims, org_id: undefined })}.${signature}`;
      },
    ],
    [
      'another org in the payload, under the original signature',
      () => {
        const [header, , signature] = orgA.token.split('.');
        return `${header}.${base64url({ ...claims, org_id: otherOrg.org.id })}.${signature}`;
      },
    ],
    [
      'a payload claiming a newer credential version, under the original signature',
      () => {
        const [header, , signature] = orgA.token.split('.');
        return `${header}.${base64url({ ...claims, cv: Number(claims.cv) + 1 })}.${signature}`;
      },
    ],
    ['garbage', () => 'not.a.token'],
    ['a valid signature of the real key under an unknown kid', () => hmacToken(claims, TEST_JWT_SECRET, 'HS256', 'unknown-key-id')],
    [
      'a valid signature of the real key without a kid',
      () => {
        const signingInput = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
        return `${signingInput}.${createHmac('sha256', TEST_JWT_SECRET).update(signingInput).digest('base64url')}`;
      },
    ],
    ['no jti', () => hmacToken({ ...claims, jti: undefined }, TEST_JWT_SECRET)],
  ])('refuses a token with %s', async (_label, forge) => {
    await expectRefusedEverywhere(forge());
  });

  it('treats a correctly signed token without org_id as an account token: every organization route answers 403', async () => {
    // The service's own key signs it, so it is genuine: an account token of A's owner, which chooses no organization.
    const accountToken = hmacToken({ ...claims, org_id: undefined, mid: undefined }, TEST_JWT_SECRET);
    const responses = [
      await t.withToken(accountToken).get('/org/collection/stats'),
      await t.withToken(accountToken).get('/org/records'),
      await t.withToken(accountToken).post('/org/records').send({ planted: true }),
      await t.withToken(accountToken).put('/org/update').send({ organization_name: 'Taken Over' }),
      await t.withToken(accountToken).delete('/org/delete').query({ organization_name: orgA.input.organization_name }),
    ];
    for (const response of responses) expectError(response, 403, 'Choose an organization (POST /admin/switch)');
    // Nothing of A changed, and the account routes accept it.
    const stats = await t.withToken(orgA.token).get('/org/collection/stats').expect(200);
    expect(stats.body).toMatchObject({ collection_name: orgA.org.collection_name, documents: 0 });
    await t.http().get('/org/get').query({ organization_name: orgA.input.organization_name }).expect(200);
    expect((await t.withToken(accountToken).get('/me').expect(200)).body.id).toBe(claims.sub);
  });

  it('checks an account token like any other: a credential version the account does not have is refused, and a switch only opens its own organizations', async () => {
    const accountToken = hmacToken({ ...claims, org_id: undefined, mid: undefined }, TEST_JWT_SECRET);
    const stale = hmacToken({ ...claims, org_id: undefined, mid: undefined, cv: Number(claims.cv) + 1 }, TEST_JWT_SECRET);
    expectError(await t.withToken(stale).get('/me'), 401, 'Invalid or expired token');
    expectError(await t.withToken(stale).post('/admin/switch').send({ organization_id: orgA.org.id }), 401, 'Invalid or expired token');
    expectError(await t.withToken(accountToken).post('/admin/switch').send({ organization_id: otherOrg.org.id }), 403);
    const switched = await t.withToken(accountToken).post('/admin/switch').send({ organization_id: orgA.org.id }).expect(200);
    expect(claimsOf(switched.body.access_token)).toMatchObject({ sub: claims.sub, org_id: orgA.org.id });
    await t.withToken(switched.body.access_token).get('/org/collection/stats').expect(200);
  });

  it('refuses requests without a token or with another scheme, with the bare Bearer challenge', async () => {
    // No Authorization header at all: told that the token is missing, not that it is invalid.
    const missing = [await t.http().get('/org/collection/stats'), await t.http().get(`/org/collection/stats?access_token=${orgA.token}`)];
    for (const response of missing) {
      expectError(response, 401, 'Missing bearer token');
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
    const otherScheme = await t.http().get('/org/collection/stats').set('Authorization', `Basic ${orgA.token}`);
    expectError(otherScheme, 401, 'Invalid or expired token');
    expect(otherScheme.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses the token of a deleted organization', async () => {
    const victim = await createOrgWithToken(t);
    await t.withToken(victim.token).delete('/org/delete').query({ organization_name: victim.input.organization_name }).expect(200);
    await expectRefusedEverywhere(victim.token);
  });

  it('refuses a token issued before a password change, and accepts the new one', async () => {
    const admin = await createOrgWithToken(t);
    const changed = await t.withToken(admin.token).put('/org/update').send({ password: 'another-Strong-passphrase-43' }).expect(200);
    await expectRefusedEverywhere(admin.token);
    await t.withToken(changed.body.access_token).get('/org/collection/stats').expect(200);
  });
});
