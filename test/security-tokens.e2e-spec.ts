import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { expectError } from './support/expect-error.js';
import { createOrgWithToken, createTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app.js';

type Claims = Record<string, unknown>;

const base64url = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

function hmacToken(claims: Claims, secret: string, alg: 'HS256' | 'HS512' = 'HS256'): string {
  const signingInput = `${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}`;
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
  let t: TestApp;
  /** A real token of org A and the claims it carries. */
  let token: string;
  let claims: Claims;
  let otherOrgId: string;

  beforeAll(async () => {
    t = await createTestApp();
    ({ token } = await createOrgWithToken(t));
    claims = claimsOf(token);
    otherOrgId = (await createOrgWithToken(t)).org.id;
  });

  afterAll(async () => {
    await t.close();
  });

  /** Every protected route answers a bad token with the same generic 401. */
  async function expectRefusedEverywhere(bearer: string): Promise<void> {
    const authorization = `Bearer ${bearer}`;
    const responses = [
      await t.http().get('/org/collection/stats').set('Authorization', authorization),
      await t.http().get('/org/records').set('Authorization', authorization),
      await t.http().post('/org/records').set('Authorization', authorization).send({ planted: true }),
      await t.http().put('/org/update').set('Authorization', authorization).send({ organization_name: 'Taken Over' }),
    ];
    for (const response of responses) expectError(response, 401, 'Invalid or expired token');
  }

  it('accepts the real token (the baseline every attack below differs from)', async () => {
    await t.http().get('/org/collection/stats').set('Authorization', `Bearer ${token}`).expect(200);
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
    ['no org_id', () => hmacToken({ ...claims, org_id: undefined }, TEST_JWT_SECRET)],
    ['an org_id that is not an id', () => hmacToken({ ...claims, org_id: { $ne: null } }, TEST_JWT_SECRET)],
    ['another org in the payload, under the original signature', () => {
      const [header, , signature] = token.split('.');
      return `${header}.${base64url({ ...claims, org_id: otherOrgId })}.${signature}`;
    }],
    ['a payload claiming a newer credential version, under the original signature', () => {
      const [header, , signature] = token.split('.');
      return `${header}.${base64url({ ...claims, cv: Number(claims.cv) + 1 })}.${signature}`;
    }],
    ['garbage', () => 'not.a.token'],
  ])('refuses a token with %s', async (_label, forge) => {
    await expectRefusedEverywhere(forge());
  });

  it('refuses requests without a token or with another scheme', async () => {
    expectError(await t.http().get('/org/collection/stats'), 401, 'Invalid or expired token');
    expectError(await t.http().get('/org/collection/stats').set('Authorization', `Basic ${token}`), 401, 'Invalid or expired token');
    expectError(await t.http().get(`/org/collection/stats?access_token=${token}`), 401, 'Invalid or expired token');
  });

  it('refuses the token of a deleted organization', async () => {
    const victim = await createOrgWithToken(t);
    const authorization = `Bearer ${victim.token}`;
    await t.http().delete('/org/delete').query({ organization_name: victim.input.organization_name }).set('Authorization', authorization).expect(200);
    await expectRefusedEverywhere(victim.token);
  });

  it('refuses a token issued before a password change, and accepts the new one', async () => {
    const admin = await createOrgWithToken(t);
    const changed = await t
      .http()
      .put('/org/update')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ password: 'another-Strong-passphrase-43' })
      .expect(200);
    await expectRefusedEverywhere(admin.token);
    await t.http().get('/org/collection/stats').set('Authorization', `Bearer ${changed.body.access_token}`).expect(200);
  });
});
