import { LoginThrottleService } from '../src/auth/login-throttle/login-throttle.service.js';
import { createTestApp, TestApp, uniqueOrg } from './support/test-app.js';
import { openDatabases } from './support/direct-db.js';

const MAX_ATTEMPTS_PER_IP = 5;
const MAX_FAILURES_PER_EMAIL = 3;
const WINDOW_SECONDS = 900;
const WRONG_PASSWORD = 'not-the-right-password-1';

/** A TEST-NET address per call, so each test starts with a fresh per-address budget. */
let nextAddress = 0;
const freshAddress = () => `198.51.100.${(nextAddress += 1)}`;

function login(t: TestApp, body: { email: string; password: string }, address: string) {
  return t.http().post('/admin/login').set('X-Forwarded-For', address).send(body);
}

function expectThrottled(response: { status: number; body: unknown; headers: Record<string, string> }, maxSeconds: number): void {
  expect(response.status).toBe(429);
  expect(response.body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    message: 'Too many login attempts; retry later',
    requestId: response.headers['x-request-id'],
  });
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

const limits = {
  TRUST_PROXY: 'true',
  LOGIN_MAX_ATTEMPTS_PER_IP: String(MAX_ATTEMPTS_PER_IP),
  LOGIN_MAX_FAILURES_PER_EMAIL: String(MAX_FAILURES_PER_EMAIL),
  LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
};

describe('login throttling (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(limits);
  });

  afterAll(async () => {
    await t.close();
  });

  async function createOrg() {
    const input = uniqueOrg('Throttle');
    await t.http().post('/org/create').send(input).expect(201);
    return input;
  }

  it('answers 429 with Retry-After once one client address made too many attempts', async () => {
    const address = freshAddress();
    const input = await createOrg();
    for (let i = 0; i < MAX_ATTEMPTS_PER_IP; i += 1) {
      await login(t, { email: `nobody-${i}@example.com`, password: WRONG_PASSWORD }, address).expect(401);
    }
    // Even the right password is refused from that address until the window ends...
    expectThrottled(await login(t, { email: input.email, password: input.password }, address), WINDOW_SECONDS);
    // ...while another address is unaffected.
    await login(t, { email: input.email, password: input.password }, freshAddress()).expect(200);
  });

  it('answers 429 for an email after too many failures, whichever addresses they came from', async () => {
    const input = await createOrg();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
      await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    }
    expectThrottled(await login(t, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);
    // The same letters in another case are the same email.
    expectThrottled(await login(t, { email: input.email.toUpperCase(), password: input.password }, freshAddress()), WINDOW_SECONDS);
    const other = await createOrg();
    await login(t, { email: other.email, password: other.password }, freshAddress()).expect(200);
  });

  it('lets no more guesses through than the limit when they arrive all at once', async () => {
    const input = await createOrg();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress())),
    );
    const statuses = responses.map(({ status }) => status);
    // Concurrent attempts may also refuse one another, so fewer than the limit can get through.
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(MAX_FAILURES_PER_EMAIL);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expectThrottled(await login(t, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);
  });

  it('throttles an unknown email exactly like a known one', async () => {
    const unknown = `ghost-${Date.now()}@example.com`;
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
      await login(t, { email: unknown, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    }
    expectThrottled(await login(t, { email: unknown, password: WRONG_PASSWORD }, freshAddress()), WINDOW_SECONDS);
  });

  it('resets the per-email failures on a successful login', async () => {
    const input = await createOrg();
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < MAX_FAILURES_PER_EMAIL - 1; i += 1) {
        await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
      }
      await login(t, { email: input.email, password: input.password }, freshAddress()).expect(200);
    }
  });

  it('keeps its attempts in the master database, keyed without the raw email, and sweeps old ones', async () => {
    const input = await createOrg();
    await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    const db = await openDatabases(t.config);
    try {
      const attempts = db.master.collection<{ key: string; at: Date }>('login_attempts');
      const all = await attempts.find({}).toArray();
      expect(all.some(({ key }) => key.startsWith('email:'))).toBe(true);
      expect(all.some(({ key }) => key.startsWith('ip:198.51.100.'))).toBe(true);
      expect(JSON.stringify(all)).not.toContain(input.email);
      const removed = await t.app.get(LoginThrottleService).sweep(new Date(Date.now() + (WINDOW_SECONDS + 1) * 1000));
      expect(removed).toBe(all.length);
      expect(await attempts.countDocuments({})).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('shares the attempts between two instances on the same database', async () => {
    const second = await createTestApp({
      ...limits,
      MASTER_DB_NAME: t.config.mongo.masterDbName,
      TENANT_DB_NAME: t.config.mongo.tenantDbName,
    });
    try {
      const input = await createOrg();
      const instances = [t, second, t];
      for (const instance of instances) {
        await login(instance, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
      }
      expectThrottled(await login(second, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);
      expectThrottled(await login(t, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);

      const address = freshAddress();
      for (let i = 0; i < MAX_ATTEMPTS_PER_IP; i += 1) {
        await login(i % 2 === 0 ? t : second, { email: `spread-${i}@example.com`, password: WRONG_PASSWORD }, address).expect(401);
      }
      expectThrottled(await login(second, { email: 'spread-x@example.com', password: WRONG_PASSWORD }, address), WINDOW_SECONDS);
    } finally {
      await second.app.close();
    }
  });
});

describe('login throttling without a trusted proxy (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ...limits, TRUST_PROXY: 'false' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('ignores X-Forwarded-For, so a client cannot pick a fresh address per attempt', async () => {
    for (let i = 0; i < MAX_ATTEMPTS_PER_IP; i += 1) {
      await login(t, { email: `x${i}@example.com`, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    }
    expectThrottled(await login(t, { email: 'y@example.com', password: WRONG_PASSWORD }, freshAddress()), WINDOW_SECONDS);
  });
});

describe('login lockout bound (e2e)', () => {
  const SHORT_WINDOW_SECONDS = 2;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ...limits, LOGIN_WINDOW_SECONDS: String(SHORT_WINDOW_SECONDS) });
  });

  afterAll(async () => {
    await t.close();
  });

  it('lets the owner in once the window ends, however often the attacker kept trying during it', async () => {
    const input = uniqueOrg('Lockout');
    await t.http().post('/org/create').send(input).expect(201);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
      await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    }
    const lockedAt = Date.now();
    expectThrottled(await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()), SHORT_WINDOW_SECONDS);

    // The attacker keeps hammering during the lock; the owner polls with the right password.
    const deadline = lockedAt + (SHORT_WINDOW_SECONDS + 3) * 1000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress());
      status = (await login(t, { email: input.email, password: input.password }, freshAddress())).status;
    }
    expect(status).toBe(200);
  });
});
