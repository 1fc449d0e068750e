import { useServiceProcess } from '../support/session.js';
import { STRONG_PASSWORD, TEST_JWT_SECRET, uniqueOrg } from '../support/test-app.js';

describe('secrets never reach the logs (e2e, built app as a process)', () => {
  const t = useServiceProcess({ LOG_LEVEL: 'debug' });

  it('logs each request with its id, and none of the passwords, tokens, hashes or cookies it just used', async () => {
    const input = uniqueOrg('Redaction');
    const wrongPassword = 'wrong-Passphrase-for-the-log-test-1';
    const newPassword = 'renewed-Passphrase-for-the-log-test-2';
    const cookie = 'session=cookie-value-that-must-not-be-logged';

    const { api, db } = t;
    expect((await api.request('POST', '/org/create', { body: input })).status).toBe(201);
    const account = await db.master.collection('accounts').findOne({ email: input.email });
    const firstHash = account!.password_hash as string;
    expect((await api.request('POST', '/admin/login', { body: { email: input.email, password: wrongPassword } })).status).toBe(401);
    const login = await api.request('POST', '/admin/login', {
      body: { email: input.email, password: input.password },
      headers: { Cookie: cookie },
    });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;
    expect((await api.request('GET', '/org/collection/stats', { token })).status).toBe(200);
    expect((await api.request('POST', '/org/records', { token, body: { password: input.password } })).status).toBe(201);
    const update = await api.request('PUT', '/org/update', { token, body: { password: newPassword } });
    expect(update.status).toBe(200);
    const secondHash = (await db.master.collection('accounts').findOne({ email: input.email }))!.password_hash as string;
    expect(secondHash).not.toBe(firstHash);
    const refused = await api.request('GET', '/org/collection/stats', { token });
    expect(refused.status).toBe(401);
    // An existing account creating a second organization by its password, then logging in with an account token.
    const second = { ...uniqueOrg('Redaction second'), email: input.email, password: newPassword };
    expect((await api.request('POST', '/org/create', { body: second })).status).toBe(201);
    const accountLogin = await api.request('POST', '/admin/login', { body: { email: input.email, password: newPassword } });
    expect({ status: accountLogin.status, org_id: accountLogin.body.org_id }).toEqual({ status: 200, org_id: null });
    const accountToken = accountLogin.body.access_token as string;
    const me = await api.request('GET', '/me', { token: accountToken });
    expect(me.status).toBe(200);

    await t.service.stop();
    const logs = t.service.output();

    // The capture is real: JSON lines of the requests just made, tagged with their ids.
    for (const { headers } of [login, update, refused, accountLogin, me]) expect(logs).toContain(headers['x-request-id']);
    expect(logs).toMatch(/"url":"\/admin\/login"/);

    const secrets = {
      'the admin password': input.password,
      'a wrong password': wrongPassword,
      'the new password': newPassword,
      'the bearer token': token,
      'the bearer token signature': token.split('.')[2],
      'the new token': update.body.access_token,
      'the account token': accountToken,
      'the account token signature': accountToken.split('.')[2],
      'the argon2 hash': firstHash,
      'the argon2 hash after the change': secondHash,
      'the JWT secret': TEST_JWT_SECRET,
      'the cookie': cookie,
      'the shared test password': STRONG_PASSWORD,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect([name, logs.includes(secret)]).toEqual([name, false]);
    }
    expect(logs).not.toContain('$argon2id$');
  });
});
