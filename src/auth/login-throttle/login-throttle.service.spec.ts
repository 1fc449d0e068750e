import { ErrorCode } from '../../common/errors/domain.error.js';
import { AppConfig } from '../../config/app-config.js';
import { TooManyLoginAttemptsError } from './login-throttle.errors.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginThrottleStore, type RecordOutcome } from './login-throttle.store.js';
import { MemoryLoginThrottleStore } from './memory-login-throttle.store.js';

const WINDOW_SECONDS = 900;
const MAX_FAILURES_PER_IP = 5;
const MAX_FAILURES_PER_EMAIL = 3;

/** The memory store, counting its calls and failing the next write on request. */
class ObservedStore extends MemoryLoginThrottleStore {
  writes = 0;
  reads = 0;
  failNextWrite = false;

  override async record(emailSlot: string, addressSlot: string, expiresAt: Date): Promise<RecordOutcome> {
    this.writes += 1;
    if (this.failNextWrite) {
      this.failNextWrite = false;
      throw new Error('connection lost');
    }
    return super.record(emailSlot, addressSlot, expiresAt);
  }

  override async holdsEmailSlot(emailSlot: string): Promise<boolean> {
    this.reads += 1;
    return super.holdsEmailSlot(emailSlot);
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

/** A login attempt whose credentials turn out wrong. */
async function fail(service: LoginThrottleService, address: string, email: string, time: Date): Promise<void> {
  await service.settle(await service.beginAttempt(address, email, time), () => Promise.resolve(false), Boolean);
}

/** A login attempt whose credentials turn out right. */
async function succeed(service: LoginThrottleService, address: string, email: string, time: Date): Promise<void> {
  await service.settle(await service.beginAttempt(address, email, time), () => Promise.resolve(true), Boolean);
}

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
  it('refuses the attempt after the per-address failures, with the seconds left in the window', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await fail(service, '198.51.100.1', `user${i}@example.com`, at(i));
    const error = await refusal(service.beginAttempt('198.51.100.1', 'other@example.com', at(100)));
    expect(error.code).toBe(ErrorCode.TooManyAttempts);
    expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - 100);
    await expect(service.beginAttempt('198.51.100.2', 'other@example.com', at(100))).resolves.toHaveProperty('email');
  });

  it('refuses an email after its failures, from any address', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await fail(service, `198.51.100.${i}`, 'victim@example.com', at(10));
    const error = await refusal(service.beginAttempt('198.51.100.99', 'victim@example.com', at(20)));
    expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - 20);
    await expect(service.beginAttempt('198.51.100.99', 'someone@example.com', at(20))).resolves.toHaveProperty('email');
  });

  it('never counts successful logins, and writes nothing for them', async () => {
    const store = new ObservedStore();
    const service = throttle(store);
    for (let i = 0; i < 3 * MAX_FAILURES_PER_IP; i += 1) await succeed(service, '198.51.100.1', `user${i % 2}@example.com`, at(i));
    expect(store.writes).toBe(0);
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await fail(service, '198.51.100.1', `wrong${i}@example.com`, at(50));
    await refusal(service.beginAttempt('198.51.100.1', 'next@example.com', at(60)));
  });

  it('writes once per failure and reads once per attempt let through', async () => {
    const store = new ObservedStore();
    const service = throttle(store);
    await fail(service, '198.51.100.1', 'a@example.com', at(0));
    await fail(service, '198.51.100.1', 'b@example.com', at(1));
    await succeed(service, '198.51.100.1', 'a@example.com', at(2));
    expect({ writes: store.writes, reads: store.reads }).toEqual({ writes: 2, reads: 3 });
  });

  it('gives the address slot back when the email refuses the attempt', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await fail(service, `198.51.100.${10 + i}`, 'victim@example.com', at(0));
    for (let i = 0; i < 2 * MAX_FAILURES_PER_IP; i += 1) await refusal(service.beginAttempt('198.51.100.1', 'victim@example.com', at(1)));
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await fail(service, '198.51.100.1', `other${i}@example.com`, at(2));
    await refusal(service.beginAttempt('198.51.100.1', 'last@example.com', at(3)));
  });

  it('keeps counting the failures before a success until the window ends', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL - 1; i += 1) await fail(service, `198.51.100.${i}`, 'user@example.com', at(i));
    await succeed(service, '198.51.100.10', 'user@example.com', at(10));
    await fail(service, '198.51.100.11', 'user@example.com', at(11));
    await refusal(service.beginAttempt('198.51.100.12', 'user@example.com', at(12)));
    await expect(service.beginAttempt('198.51.100.13', 'user@example.com', at(WINDOW_SECONDS))).resolves.toHaveProperty('email');
  });

  it('never extends a lock: it opens when the window ends, however often refused attempts came', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1) await fail(service, `198.51.100.${i}`, 'victim@example.com', at(0));
    for (let second = 1; second < WINDOW_SECONDS; second += 60) {
      const error = await refusal(service.beginAttempt(`203.0.113.${second % 250}`, 'victim@example.com', at(second)));
      expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - second);
    }
    await expect(service.beginAttempt('192.0.2.1', 'victim@example.com', at(WINDOW_SECONDS))).resolves.toHaveProperty('email');
  });

  it('uses fixed windows: failures count until the end of their window, Retry-After at least 1 s', async () => {
    const service = throttle();
    for (const second of [0, 300, 600]) await fail(service, `198.51.100.${second % 250}`, 'user@example.com', at(second));
    expect((await refusal(service.beginAttempt('192.0.2.1', 'user@example.com', at(700)))).retryAfterSeconds).toBe(200);
    expect((await refusal(service.beginAttempt('192.0.2.1', 'user@example.com', at(WINDOW_SECONDS - 0.2)))).retryAfterSeconds).toBe(1);
    await expect(service.beginAttempt('192.0.2.2', 'user@example.com', at(WINDOW_SECONDS))).resolves.toHaveProperty('email');
  });

  it('counts an IPv6 /64 as one client', async () => {
    const service = throttle();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) await fail(service, `2001:db8:5:6::${i + 1}`, `u${i}@example.com`, at(0));
    await refusal(service.beginAttempt('2001:db8:5:6:ffff::1', 'x@example.com', at(1)));
  });

  it('lets exactly the limit through of concurrent guesses on one instance, and refuses the rest without a database call', async () => {
    const store = new ObservedStore();
    const service = throttle(store);
    const guesses = Array.from({ length: 3 * MAX_FAILURES_PER_EMAIL }, (_, i) =>
      service.beginAttempt(`198.51.100.${i}`, 'victim@example.com', at(5)),
    );
    expect(await outcomes(guesses)).toEqual({ passed: MAX_FAILURES_PER_EMAIL, refused: 2 * MAX_FAILURES_PER_EMAIL });
    expect({ reads: store.reads, writes: store.writes }).toEqual({ reads: MAX_FAILURES_PER_EMAIL, writes: 0 });
  });

  it('counts failures recorded by another instance before letting an attempt through', async () => {
    const store = new MemoryLoginThrottleStore();
    const [first, second] = [throttle(store), throttle(store)];
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i += 1)
      await fail(i % 2 === 0 ? first : second, `198.51.100.${i}`, 'victim@example.com', at(5));
    await refusal(first.beginAttempt('198.51.100.100', 'victim@example.com', at(6)));
    await refusal(second.beginAttempt('198.51.100.101', 'victim@example.com', at(6)));
  });

  it('learns the address failures of another instance when recording its own', async () => {
    const store = new MemoryLoginThrottleStore();
    const [first, second] = [throttle(store), throttle(store)];
    for (let i = 0; i < MAX_FAILURES_PER_IP - 1; i += 1) await fail(first, '198.51.100.1', `a${i}@example.com`, at(1));
    await fail(second, '198.51.100.1', 'b@example.com', at(2));
    await refusal(second.beginAttempt('198.51.100.1', 'c@example.com', at(3)));
    // The first instance has not seen the second's failure yet: one more attempt, whose failure finds the slot taken.
    await fail(first, '198.51.100.1', 'd@example.com', at(3));
    await refusal(first.beginAttempt('198.51.100.1', 'e@example.com', at(4)));
  });

  it('gives the slots back when recording a failure fails', async () => {
    const store = new ObservedStore();
    const service = throttle(store);
    await fail(service, '198.51.100.1', 'user@example.com', at(0));
    store.failNextWrite = true;
    await expect(fail(service, '198.51.100.1', 'user@example.com', at(1))).rejects.toThrow('connection lost');
    for (let i = 2; i < MAX_FAILURES_PER_IP + 1; i += 1) await fail(service, '198.51.100.1', `user${i}@example.com`, at(i));
    await refusal(service.beginAttempt('198.51.100.1', 'other@example.com', at(10)));
  });

  it('settles nothing when the check itself fails', async () => {
    const store = new ObservedStore();
    const service = throttle(store);
    for (let i = 0; i < 2 * MAX_FAILURES_PER_EMAIL; i += 1) {
      const attempt = await service.beginAttempt('198.51.100.1', 'user@example.com', at(i));
      await expect(service.settle(attempt, () => Promise.reject(new Error('database down')), Boolean)).rejects.toThrow('database down');
    }
    expect(store.writes).toBe(0);
    await expect(service.beginAttempt('198.51.100.1', 'user@example.com', at(20))).resolves.toHaveProperty('email');
  });

  it('sweeps only failures whose window ended', async () => {
    const service = throttle();
    await fail(service, '198.51.100.1', 'a@example.com', at(0));
    await fail(service, '198.51.100.2', 'b@example.com', at(WINDOW_SECONDS + 10));
    expect(await service.sweep(at(WINDOW_SECONDS - 1))).toBe(0);
    expect(await service.sweep(at(WINDOW_SECONDS))).toBe(1);
    expect(await service.sweep(at(2 * WINDOW_SECONDS))).toBe(1);
  });
});
