import { AppConfig } from '../src/config/app-config.js';
import { DirectDatabases, openDatabases } from './support/direct-db.js';
import { ServiceProcess, startServiceProcess } from './support/service-process.js';
import { dropDatabases, STRONG_PASSWORD, TEST_JWT_SECRET, testEnvironment, uniqueOrg } from './support/test-app.js';

interface Sent {
  status: number;
  requestId: string;
  body: Record<string, any>;
}

describe('secrets never reach the logs (e2e, built app as a process)', () => {
  const env = testEnvironment({ LOG_LEVEL: 'debug' });
  const config = AppConfig.fromEnvironment(env);
  let service: ServiceProcess;
  let db: DirectDatabases;

  beforeAll(async () => {
    service = await startServiceProcess(env);
    db = await openDatabases(config);
  });

  afterAll(async () => {
    await service.stop();
    await db.close();
    await dropDatabases(config);
  });

  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Sent> {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, requestId: response.headers.get('x-request-id') ?? '', body: text ? JSON.parse(text) : {} };
  }

  it('logs each request with its id, and none of the passwords, tokens, hashes or cookies it just used', async () => {
    const input = uniqueOrg('Redaction');
    const wrongPassword = 'wrong-Passphrase-for-the-log-test-1';
    const newPassword = 'renewed-Passphrase-for-the-log-test-2';
    const cookie = 'session=cookie-value-that-must-not-be-logged';

    expect((await send('POST', '/org/create', input)).status).toBe(201);
    const admin = await db.master.collection('admins').findOne({ email: input.email });
    const firstHash = admin!.password_hash as string;
    expect((await send('POST', '/admin/login', { email: input.email, password: wrongPassword })).status).toBe(401);
    const login = await send('POST', '/admin/login', { email: input.email, password: input.password }, { Cookie: cookie });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await send('GET', '/org/collection/stats', undefined, bearer)).status).toBe(200);
    expect((await send('POST', '/org/records', { password: input.password }, bearer)).status).toBe(201);
    const update = await send('PUT', '/org/update', { password: newPassword }, bearer);
    expect(update.status).toBe(200);
    const secondHash = (await db.master.collection('admins').findOne({ email: input.email }))!.password_hash as string;
    const refused = await send('GET', '/org/collection/stats', undefined, bearer);
    expect(refused.status).toBe(401);

    await service.stop();
    const logs = service.output();

    // The capture is real: JSON lines of the requests just made, tagged with their ids.
    for (const requestId of [login.requestId, update.requestId, refused.requestId]) expect(logs).toContain(requestId);
    expect(logs).toMatch(/"url":"\/admin\/login"/);

    const secrets = {
      'the admin password': input.password,
      'a wrong password': wrongPassword,
      'the new password': newPassword,
      'the bearer token': token,
      'the bearer token signature': token.split('.')[2],
      'the new token': update.body.access_token,
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
