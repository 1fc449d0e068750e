import { ErrorCode } from '../../common/errors/domain.error.js';
import { AppConfig } from '../../config/app-config.js';
import { TooManyLoginAttemptsError } from './login-throttle.errors.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginThrottleStore } from './login-throttle.store.js';
import { MemoryLoginThrottleStore } from './memory-login-throttle.store.js';

const WINDOW_SECONDS = 900;
const MAX_FAILURES_PER_IP = 5;
const MAX_FAILURES_PER_EMAIL = 3;

/** The memory store, counting its writes and failing the next one on request. */
class ObservedStore extends MemoryLoginThrottleStore {
  occupyCalls = 0;
  failNextOccupy = false;

  override async occupy(id: string, expiresAt: Date): Promise<boolean> {
    this.occupyCalls += 1;
    if (this.failNextOccupy) {
      this.failNextOccupy = false;
      throw new Error('connection lost');
    }
    return super.occupy(id, expiresAt);
  }
}

function throttle(store: LoginThrottleStore = new MemoryLoginThrottleStore()): LoginThrottleService {
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://127.0.0.1:1',
    LOGIN_THROTTLE_STORE: 'memory',
    LOGIN_MAX_FAILURES_PER_IP: String(MAX_FAILURES_PER_IP),
    LOGIN_MAX_FAILURES_PER_EMAIL: String(MAX_FAILURES_PER_EMAIL),
    LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
  });
  return new LoginThrottleService(store, config);
}

/** Seconds from the start of a window (midnight UTC is a window boundary for a 900 s window). */
const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

async function refusal(attempt: Promise<unknown>): Promise<TooManyLoginAttemptsError> {
  const error = await attempt.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TooManyLoginAttemptsError);
  return error as TooManyLoginAttemptsError;
}

/** How many of the attempts were let through and how many refused; anything else fails the test. */
async function outcomes(attempts: Promise<unknown>[]): Promise<{ passed: number; refused: number }> {
  const results = await Promise.allSettled(attempts);
  for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(TooManyLoginAttemptsError);
  const passed = results.filter(({ status }) => status === 'fulfilled').length;
  return { passed, refused: results.length - passed };
}

describe('LoginThrottleService', () => {
  it('refuses the attempt after the per-address limit, with the seconds left in the window', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await service.beginAttempt('198.51.100.1', `user${i}@example.com`, at(i));
    const error = await refusal(service.beginAttempt('198.51.100.1', 'other@example.com', at(100)));
    expect(error.code).toBe(ErrorCode.TooManyAttempts);
    expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - 100);
    await expect(service.beginAttempt('198.51.100.2', 'other@example.com', at(100))).resolves.toHaveProperty('occupied');
  });

  it('refuses an email after its failures, from any address', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await service.beginAttempt(`198.51.100.${i}`, 'victim@example.com', at(10));
    const error = await refusal(service.beginAttempt('198.51.100.99', 'victim@example.com', at(20)));
    expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - 20);
    await expect(service.beginAttempt('198.51.100.99', 'someone@example.com', at(20))).resolves.toHaveProperty('occupied');
  });

  it('never counts successful logins against the address', async () => {
    const service = throttle();
    for (let i = 0; i < 3 * MAX_FAILURES_PER_IP; i += 1) {
      await service.recordSuccess(await service.beginAttempt('198.51.100.1', `user${i}@example.com`, at(i)));
    }
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await service.beginAttempt('198.51.100.1', `wrong${i}@example.com`, at(50));
    await refusal(service.beginAttempt('198.51.100.1', 'next@example.com', at(60)));
  });

  it('gives the address slot back when the email refuses the attempt', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await service.beginAttempt(`198.51.100.${10 + i}`, 'victim@example.com', at(0));
    for (let i = 0; i < 2 * MAX_FAILURES_PER_IP; i += 1) await refusal(service.beginAttempt('198.51.100.1', 'victim@example.com', at(1)));
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await service.beginAttempt('198.51.100.1', `other${i}@example.com`, at(2));
  });

  it('never counts successful logins against the email', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL + 5; i += 1) {
      await service.recordSuccess(await service.beginAttempt(`198.51.100.${i}`, 'user@example.com', at(i)));
    }
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await service.beginAttempt(`198.51.100.${50 + i}`, 'user@example.com', at(50));
    await refusal(service.beginAttempt('198.51.100.60', 'user@example.com', at(60)));
  });

  it('keeps counting the failures before a success until the window ends', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL - 1; i += 1) await service.beginAttempt(`198.51.100.${i}`, 'user@example.com', at(i));
    await service.recordSuccess(await service.beginAttempt('198.51.100.10', 'user@example.com', at(10)));
    await service.beginAttempt('198.51.100.11', 'user@example.com', at(11));
    await refusal(service.beginAttempt('198.51.100.12', 'user@example.com', at(12)));
    await expect(service.beginAttempt('198.51.100.13', 'user@example.com', at(WINDOW_SECONDS))).resolves.toHaveProperty('occupied');
  });

  it('gives nothing back for a success whose attempt began in the previous window', async () => {
    const service = throttle();
    await service.recordSuccess(await service.beginAttempt('198.51.100.1', 'user@example.com', at(WINDOW_SECONDS - 1)));
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) {
      await service.beginAttempt(`198.51.100.${10 + i}`, 'user@example.com', at(WINDOW_SECONDS + 1));
    }
    await refusal(service.beginAttempt('198.51.100.20', 'user@example.com', at(WINDOW_SECONDS + 2)));
  });

  it('never extends a lock: it opens when the window ends, however often refused attempts came', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await service.beginAttempt(`198.51.100.${i}`, 'victim@example.com', at(0));
    for (let second = 1; second < WINDOW_SECONDS; second += 60) {
      const error = await refusal(service.beginAttempt(`203.0.113.${second % 250}`, 'victim@example.com', at(second)));
      expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - second);
    }
    await expect(service.beginAttempt('192.0.2.1', 'victim@example.com', at(WINDOW_SECONDS))).resolves.toHaveProperty('occupied');
  });

  it('uses fixed windows: attempts count until the end of their window, Retry-After at least 1 s', async () => {
    const service = throttle();
    for (const second of [0, 300, 600]) await service.beginAttempt(`198.51.100.${second % 250}`, 'user@example.com', at(second));
    expect((await refusal(service.beginAttempt('192.0.2.1', 'user@example.com', at(700)))).retryAfterSeconds).toBe(200);
    expect((await refusal(service.beginAttempt('192.0.2.1', 'user@example.com', at(WINDOW_SECONDS - 0.2)))).retryAfterSeconds).toBe(1);
    await expect(service.beginAttempt('192.0.2.2', 'user@example.com', at(WINDOW_SECONDS))).resolves.toHaveProperty('occupied');
  });

  it('counts an IPv6 /64 as one client', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await service.beginAttempt(`2001:db8:5:6::${i + 1}`, `u${i}@example.com`, at(0));
    await refusal(service.beginAttempt('2001:db8:5:6:ffff::1', 'x@example.com', at(1)));
  });

  it('lets exactly the limit through of concurrent guesses, and refuses the rest without writing', async () => {
    const store = new ObservedStore();
    const service = throttle(store);
    const guesses = Array.from({ length: 3 * MAX_FAILURES_PER_EMAIL }, (_, i) =>
      service.beginAttempt(`198.51.100.${i}`, 'victim@example.com', at(5)),
    );
    expect(await outcomes(guesses)).toEqual({ passed: MAX_FAILURES_PER_EMAIL, refused: 2 * MAX_FAILURES_PER_EMAIL });
    // One address slot per guess, one email slot per guess let through.
    expect(store.occupyCalls).toBe(3 * MAX_FAILURES_PER_EMAIL + MAX_FAILURES_PER_EMAIL);
    await refusal(service.beginAttempt('198.51.100.200', 'victim@example.com', at(6)));
    expect(store.occupyCalls).toBe(4 * MAX_FAILURES_PER_EMAIL + 1);
  });

  it('shares the limit between instances on one store', async () => {
    const store = new ObservedStore();
    const [first, second] = [throttle(store), throttle(store)];
    const guesses = Array.from({ length: 3 * MAX_FAILURES_PER_EMAIL }, (_, i) =>
      (i % 2 === 0 ? first : second).beginAttempt(`198.51.100.${i}`, 'victim@example.com', at(5)),
    );
    expect(await outcomes(guesses)).toEqual({ passed: MAX_FAILURES_PER_EMAIL, refused: 2 * MAX_FAILURES_PER_EMAIL });
    await refusal(first.beginAttempt('198.51.100.100', 'victim@example.com', at(6)));
    await refusal(second.beginAttempt('198.51.100.101', 'victim@example.com', at(6)));
  });

  it('reuses a slot given back by a success on another instance', async () => {
    const store = new MemoryLoginThrottleStore();
    const [first, second] = [throttle(store), throttle(store)];
    await first.recordSuccess(await first.beginAttempt('198.51.100.1', 'user@example.com', at(0)));
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await second.beginAttempt(`198.51.100.${10 + i}`, 'user@example.com', at(1));
    await refusal(second.beginAttempt('198.51.100.20', 'user@example.com', at(2)));
  });

  it('does not lose a slot to a write that failed', async () => {
    const store = new ObservedStore();
    const service = throttle(store);
    await service.beginAttempt('198.51.100.1', 'user@example.com', at(0));
    store.failNextOccupy = true;
    await expect(service.beginAttempt('198.51.100.1', 'user@example.com', at(1))).rejects.toThrow('connection lost');
    for (let i = 2; i < MAX_FAILURES_PER_IP + 1; i += 1) await service.beginAttempt('198.51.100.1', `user${i}@example.com`, at(i));
    await refusal(service.beginAttempt('198.51.100.1', 'other@example.com', at(10)));
  });

  it('sweeps only slots whose window ended', async () => {
    const service = throttle();
    await service.beginAttempt('198.51.100.1', 'a@example.com', at(0));
    await service.beginAttempt('198.51.100.2', 'b@example.com', at(WINDOW_SECONDS + 10));
    expect(await service.sweep(at(WINDOW_SECONDS - 1))).toBe(0);
    expect(await service.sweep(at(WINDOW_SECONDS))).toBe(2);
    expect(await service.sweep(at(2 * WINDOW_SECONDS))).toBe(2);
  });
});
