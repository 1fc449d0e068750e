import { createHmac, randomUUID } from 'node:crypto';
import { keyIdOf } from '../../src/config/app-config.js';
import { expectError } from '../support/expect-error.js';
import { waitFor } from '../support/lifecycle-state.js';
import { createOrgWithToken, useServiceProcess, useTestApp } from '../support/session.js';
import { TEST_JWT_SECRET } from '../support/test-app.js';

const PREVIOUS_SECRET = 'the-previous-signing-secret-of-this-test-0001';

/** The claims of a real token, re-signed with `secret` under that secret's kid. */
function resign(token: string, secret: string): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT', kid: keyIdOf(secret) })}.${encode({ ...claims, jti: randomUUID() })}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

describe('logging out (e2e)', () => {
  const t = useTestApp();
  // A second instance, as a process of its own like in production.
  const second = useServiceProcess({}, { onDatabasesOf: t });

  it('POST /admin/logout ends the presented token only, on every instance', async () => {
    const { token, input } = await createOrgWithToken(t);
    const other = (await t.http().post('/admin/login').send({ email: input.email, password: input.password }).expect(200)).body
      .access_token;
    await second.withToken(token).get('/org/members/me').expect(200);

    await t.withToken(token).post('/admin/logout').expect(204);

    const refused = await t.withToken(token).get('/org/members/me');
    expectError(refused, 401, 'Invalid or expired token');
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(await t.db.master.collection('revoked_tokens').countDocuments()).toBe(1);
    // The other instance stops accepting it within its cache bound.
    await waitFor(
      async () => ((await second.withToken(token).get('/org/members/me')).status === 401 ? true : undefined),
      () => 'the second instance to refuse the logged-out token',
    );
    await t.withToken(other).get('/org/members/me').expect(200);
    // Logging out twice is a 401: the token is no longer a session.
    expectError(await t.withToken(token).post('/admin/logout'), 401);
  });

  it('POST /admin/logout/all ends every session of the caller and none of anyone else', async () => {
    const owner = await createOrgWithToken(t);
    const login = () => t.http().post('/admin/login').send({ email: owner.input.email, password: owner.input.password }).expect(200);
    const sessions = [owner.token, (await login()).body.access_token, (await login()).body.access_token];
    const bystander = await createOrgWithToken(t);

    await t.withToken(sessions[1]).post('/admin/logout/all').expect(204);

    for (const session of sessions) expectError(await t.withToken(session).get('/org/members/me'), 401);
    await t.withToken(bystander.token).get('/org/members/me').expect(200);
    // A new login works as before.
    await t
      .withToken((await login()).body.access_token)
      .get('/org/members/me')
      .expect(200);
  });
});

describe('signing key rotation (e2e)', () => {
  const rotated = useTestApp({ JWT_PREVIOUS_SECRETS: PREVIOUS_SECRET });
  const retired = useServiceProcess({}, { onDatabasesOf: rotated });

  it('verifies tokens of a previous key while it is listed, signs with the current one, and refuses them once it is removed', async () => {
    const { token } = await createOrgWithToken(rotated);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyIdOf(TEST_JWT_SECRET) });

    const oldToken = resign(token, PREVIOUS_SECRET);
    await rotated.withToken(oldToken).get('/org/members/me').expect(200);
    // The same database, an instance whose configuration no longer lists that key.
    expectError(await retired.withToken(oldToken).get('/org/members/me'), 401, 'Invalid or expired token');
    await retired.withToken(token).get('/org/members/me').expect(200);
    // A key nobody configured, under its own kid.
    expectError(await rotated.withToken(resign(token, 'a-key-that-no-instance-knows-about-0000')).get('/org/members/me'), 401);
  });
});
