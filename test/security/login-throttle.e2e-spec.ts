import { setTimeout as delay } from 'node:timers/promises';
import { LoginThrottleService } from '../../src/auth/login-throttle/login-throttle.service.js';
import { Session, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const MAX_FAILURES_PER_IP = 5;
const MAX_FAILURES_PER_EMAIL = 3;
const WINDOW_SECONDS = 900;
const WRONG_PASSWORD = 'not-the-right-password-1';

/** A TEST-NET address per call, so each test starts with a fresh per-address budget. */
let nextAddress = 0;
const freshAddress = () => `198.51.100.${(nextAddress += 1)}`;

/** The end of the current throttle window, in epoch ms (windows are aligned to the epoch). */
function windowEnd(windowSeconds: number): number {
  const windowMs = windowSeconds * 1000;
  return (Math.floor(Date.now() / windowMs) + 1) * windowMs;
}

/**
 * Waits for the next window unless `neededMs` are left in this one, so that a test's attempts are
 * not split by a window boundary (which would give them a second budget). Returns the window's end.
 */
async function startWithinOneWindow(windowSeconds: number, neededMs: number): Promise<number> {
  const left = windowEnd(windowSeconds) - Date.now();
  if (left < neededMs) await delay(left + 10);
  return windowEnd(windowSeconds);
}

function login(t: Pick<Session, 'http'>, body: { email: string; password: string }, address: string) {
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
  LOGIN_MAX_FAILURES_PER_IP: String(MAX_FAILURES_PER_IP),
  LOGIN_MAX_FAILURES_PER_EMAIL: String(MAX_FAILURES_PER_EMAIL),
  LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
};

describe('login throttling (e2e)', () => {
  const t = useTestApp(limits);

  beforeEach(async () => {
    await startWithinOneWindow(WINDOW_SECONDS, 15_000);
  });

  async function createOrg() {
    const input = uniqueOrg('Throttle');
    await t.http().post('/org/create').send(input).expect(201);
    return input;
  }

  it('never throttles successful logins from one address, however many', async () => {
    const address = freshAddress();
    const input = await createOrg();
    for (let i = 0; i < 80; i += 1) await login(t, { email: input.email, password: input.password }, address).expect(200);
    // Failures still count against the address afterwards.
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) {
      await login(t, { email: `nobody-${i}@example.com`, password: WRONG_PASSWORD }, address).expect(401);
    }
    expectThrottled(await login(t, { email: input.email, password: input.password }, address), WINDOW_SECONDS);
  });

  it('answers 429 with Retry-After once one client address made too many failed attempts', async () => {
    const address = freshAddress();
    const input = await createOrg();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) {
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

  it('lets exactly the limit of guesses through when they arrive all at once, Retry-After within the window', async () => {
    const input = await createOrg();
    const secondsLeft = Math.ceil((windowEnd(WINDOW_SECONDS) - Date.now()) / 1000);
    const responses = await Promise.all(
      Array.from({ length: 3 * MAX_FAILURES_PER_EMAIL }, () => login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress())),
    );
    expect(responses.filter(({ status }) => status === 401)).toHaveLength(MAX_FAILURES_PER_EMAIL);
    for (const response of responses.filter(({ status }) => status !== 401)) expectThrottled(response, secondsLeft);
    expectThrottled(await login(t, { email: input.email, password: input.password }, freshAddress()), secondsLeft);
  });

  it('throttles an unknown email exactly like a known one', async () => {
    const unknown = `ghost-${Date.now()}@example.com`;
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
      await login(t, { email: unknown, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    }
    expectThrottled(await login(t, { email: unknown, password: WRONG_PASSWORD }, freshAddress()), WINDOW_SECONDS);
  });

  it('counts only failures against an email: successes never use its budget, earlier failures keep counting', async () => {
    const input = await createOrg();
    const right = { email: input.email, password: input.password };
    const wrong = { email: input.email, password: WRONG_PASSWORD };
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL + 5; i += 1) await login(t, right, freshAddress()).expect(200);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL - 1; i += 1) await login(t, wrong, freshAddress()).expect(401);
    await login(t, right, freshAddress()).expect(200);
    await login(t, wrong, freshAddress()).expect(401);
    expectThrottled(await login(t, right, freshAddress()), WINDOW_SECONDS);
  });

  it('keeps one document per failure (none per success) in the master database, without the raw email, swept after the window', async () => {
    const input = await createOrg();
    const address = freshAddress();
    const end = windowEnd(WINDOW_SECONDS);
    const failures = t.db.master.collection<{ _id: string; address_slot: string; expires_at: Date }>('login_failures');
    const before = await failures.countDocuments({});
    await login(t, { email: input.email, password: input.password }, address).expect(200);
    expect(await failures.countDocuments({})).toBe(before);
    await login(t, { email: input.email, password: WRONG_PASSWORD }, address).expect(401);
    const window = end / (WINDOW_SECONDS * 1000) - 1;
    const all = await failures.find({}).toArray();
    expect(all).toHaveLength(before + 1);
    expect(all).toEqual(
      expect.arrayContaining([
        {
          _id: expect.stringMatching(new RegExp(`^email:[\\w-]{43}\\|${window}\\|\\d+$`)),
          address_slot: `ip:${address}|${window}|0`,
          expires_at: new Date(end),
        },
      ]),
    );
    expect(JSON.stringify(all)).not.toContain(input.email);

    const throttle = t.app.get(LoginThrottleService);
    expect(await throttle.sweep(new Date(end - 1))).toBe(0);
    expect(await throttle.sweep(new Date(end))).toBe(all.length);
    expect(await failures.countDocuments({})).toBe(0);
  });

  describe('with a second instance on the same database', () => {
    const second = useTestApp(limits, { onDatabasesOf: t });

    it('shares the limits: failures of an email count on both instances at once, of an address once each has recorded one', async () => {
      const input = await createOrg();
      for (const instance of [t, second, t]) {
        await login(instance, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
      }
      expectThrottled(await login(second, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);
      expectThrottled(await login(t, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);

      const address = freshAddress();
      for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) {
        await login(i % 2 === 0 ? t : second, { email: `spread-${i}@example.com`, password: WRONG_PASSWORD }, address).expect(401);
      }
      // The first instance recorded the last failure, so it knows the address is full.
      expectThrottled(await login(t, { email: 'spread-x@example.com', password: WRONG_PASSWORD }, address), WINDOW_SECONDS);
      // The second learns it by recording one more failure of its own, and finds no slot left.
      await login(second, { email: 'spread-y@example.com', password: WRONG_PASSWORD }, address).expect(401);
      expectThrottled(await login(second, { email: 'spread-z@example.com', password: WRONG_PASSWORD }, address), WINDOW_SECONDS);
    });

    it('throttles an email on an instance that saw none of its failures (they are stored, not only counted in memory)', async () => {
      const input = await createOrg();
      for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
        await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
      }
      expectThrottled(await login(second, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);
      expectThrottled(await login(second, { email: input.email, password: WRONG_PASSWORD }, freshAddress()), WINDOW_SECONDS);
    });

    it('lets at most the limit per instance through of concurrent guesses spread over both, then refuses on both', async () => {
      const input = await createOrg();
      const responses = await Promise.all(
        Array.from({ length: 3 * MAX_FAILURES_PER_EMAIL }, (_, i) =>
          login(i % 2 === 0 ? t : second, { email: input.email, password: WRONG_PASSWORD }, freshAddress()),
        ),
      );
      // Each instance holds its slots in memory: racing guesses pass once per instance at most.
      const passed = responses.filter(({ status }) => status === 401).length;
      expect(passed).toBeGreaterThanOrEqual(MAX_FAILURES_PER_EMAIL);
      expect(passed).toBeLessThanOrEqual(2 * MAX_FAILURES_PER_EMAIL);
      for (const response of responses.filter(({ status }) => status !== 401)) expectThrottled(response, WINDOW_SECONDS);
      for (const instance of [t, second]) {
        expectThrottled(await login(instance, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);
      }
    });

    it('counts nothing for a success on one instance against the other', async () => {
      const input = await createOrg();
      await login(t, { email: input.email, password: input.password }, freshAddress()).expect(200);
      for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
        await login(second, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
      }
      expectThrottled(await login(second, { email: input.email, password: input.password }, freshAddress()), WINDOW_SECONDS);
    });
  });
});

describe('login throttling without a trusted proxy (e2e)', () => {
  const t = useTestApp({ ...limits, TRUST_PROXY: 'false' });

  it('ignores X-Forwarded-For, so a client cannot pick a fresh address per attempt', async () => {
    await startWithinOneWindow(WINDOW_SECONDS, 15_000);
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) {
      await login(t, { email: `x${i}@example.com`, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    }
    expectThrottled(await login(t, { email: 'y@example.com', password: WRONG_PASSWORD }, freshAddress()), WINDOW_SECONDS);
  });
});

describe('login lockout bound (e2e)', () => {
  const SHORT_WINDOW_SECONDS = 2;
  const t = useTestApp({ ...limits, LOGIN_WINDOW_SECONDS: String(SHORT_WINDOW_SECONDS) });

  it('lets the owner in when the window ends, not before, however often the attacker kept trying', async () => {
    const input = uniqueOrg('Lockout');
    await t.http().post('/org/create').send(input).expect(201);
    const end = await startWithinOneWindow(SHORT_WINDOW_SECONDS, 1_500);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
      await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    }
    expectThrottled(await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()), SHORT_WINDOW_SECONDS);

    // The attacker keeps hammering during the lock; the owner polls with the right password.
    const deadline = end + 3_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress());
      status = (await login(t, { email: input.email, password: input.password }, freshAddress())).status;
    }
    expect(status).toBe(200);
    expect(Date.now()).toBeGreaterThanOrEqual(end);
  });
});

describe('login throttling with the default limits (e2e)', () => {
  // Empty values count as unset: the service's own defaults apply (100 per address, 10 per email).
  const t = useTestApp({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_IP: '', LOGIN_MAX_FAILURES_PER_EMAIL: '' });

  beforeEach(async () => {
    await startWithinOneWindow(WINDOW_SECONDS, 30_000);
  });

  it('locks an email at its 11th wrong password, and an address after 100 failures across unknown emails', async () => {
    const input = uniqueOrg('Defaults');
    await t.http().post('/org/create').send(input).expect(201);
    for (let i = 0; i < 10; i += 1) await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()).expect(401);
    expectThrottled(await login(t, { email: input.email, password: WRONG_PASSWORD }, freshAddress()), WINDOW_SECONDS);

    const stuffing = freshAddress();
    for (let i = 0; i < 100; i += 1) {
      await login(t, { email: `stuffed-${i}-${Date.now()}@example.com`, password: WRONG_PASSWORD }, stuffing).expect(401);
    }
    expectThrottled(await login(t, { email: `stuffed-last@example.com`, password: WRONG_PASSWORD }, stuffing), WINDOW_SECONDS);
    // Other addresses are unaffected.
    const other = uniqueOrg('Defaults');
    await t.http().post('/org/create').send(other).expect(201);
    await login(t, { email: other.email, password: other.password }, freshAddress()).expect(200);
  }, 120_000);
});
