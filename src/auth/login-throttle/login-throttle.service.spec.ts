import { AppConfig } from '../../config/app-config.js';
import { TooManyLoginAttemptsError } from './login-throttle.errors.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { MemoryLoginThrottleStore } from './memory-login-throttle.store.js';

const WINDOW_SECONDS = 900;

function throttle(overrides: Record<string, string> = {}): LoginThrottleService {
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://127.0.0.1:1',
    LOGIN_THROTTLE_STORE: 'memory',
    LOGIN_MAX_ATTEMPTS_PER_IP: '5',
    LOGIN_MAX_FAILURES_PER_EMAIL: '3',
    LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
    ...overrides,
  });
  return new LoginThrottleService(new MemoryLoginThrottleStore(), config);
}

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

async function refusal(attempt: Promise<void>): Promise<TooManyLoginAttemptsError> {
  const error = await attempt.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TooManyLoginAttemptsError);
  return error as TooManyLoginAttemptsError;
}

describe('LoginThrottleService', () => {
  it('refuses the attempt after the per-address limit, with the seconds left in the window', async () => {
    const service = throttle();
    for (let i = 0; i < 5; i += 1) await service.beginAttempt('198.51.100.1', `user${i}@example.com`, at(i));
    const error = await refusal(service.beginAttempt('198.51.100.1', 'other@example.com', at(100)));
    expect(error.status).toBe(429);
    expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - 100);
    await expect(service.beginAttempt('198.51.100.2', 'other@example.com', at(100))).resolves.toBeUndefined();
  });

  it('refuses an email after its failures, from any address', async () => {
    const service = throttle();
    for (let i = 0; i < 3; i += 1) await service.beginAttempt(`198.51.100.${i}`, 'victim@example.com', at(10));
    const error = await refusal(service.beginAttempt('198.51.100.99', 'victim@example.com', at(20)));
    expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - 10);
    await expect(service.beginAttempt('198.51.100.99', 'someone@example.com', at(20))).resolves.toBeUndefined();
  });

  it('forgets an email failures after a success', async () => {
    const service = throttle();
    for (let i = 0; i < 3; i += 1) await service.beginAttempt(`198.51.100.${i}`, 'user@example.com', at(i));
    await service.recordSuccess('user@example.com');
    for (let i = 0; i < 3; i += 1) await service.beginAttempt(`198.51.100.${10 + i}`, 'user@example.com', at(10 + i));
    await refusal(service.beginAttempt('198.51.100.20', 'user@example.com', at(20)));
  });

  it('never extends a lock: refused attempts do not move the window end', async () => {
    const service = throttle();
    for (let i = 0; i < 3; i += 1) await service.beginAttempt(`198.51.100.${i}`, 'victim@example.com', at(0));
    for (let second = 1; second < WINDOW_SECONDS; second += 60) {
      const error = await refusal(service.beginAttempt(`203.0.113.${second % 250}`, 'victim@example.com', at(second)));
      expect(error.retryAfterSeconds).toBe(WINDOW_SECONDS - second);
    }
    await expect(service.beginAttempt('192.0.2.1', 'victim@example.com', at(WINDOW_SECONDS))).resolves.toBeUndefined();
  });

  it('counts an IPv6 /64 as one client', async () => {
    const service = throttle();
    for (let i = 0; i < 5; i += 1) await service.beginAttempt(`2001:db8:5:6::${i + 1}`, `u${i}@example.com`, at(0));
    await refusal(service.beginAttempt('2001:db8:5:6:ffff::1', 'x@example.com', at(1)));
  });

  it('slides: an attempt counts for one window from its own time', async () => {
    const service = throttle();
    for (const second of [0, 300, 600]) await service.beginAttempt(`198.51.100.${second % 250}`, 'user@example.com', at(second));
    expect((await refusal(service.beginAttempt('192.0.2.1', 'user@example.com', at(700)))).retryAfterSeconds).toBe(200);
    await expect(service.beginAttempt('192.0.2.2', 'user@example.com', at(WINDOW_SECONDS + 1))).resolves.toBeUndefined();
    expect((await refusal(service.beginAttempt('192.0.2.3', 'user@example.com', at(WINDOW_SECONDS + 2)))).retryAfterSeconds).toBe(298);
  });

  it('sweeps only attempts that left the window', async () => {
    const service = throttle();
    await service.beginAttempt('198.51.100.1', 'a@example.com', at(0));
    await service.beginAttempt('198.51.100.2', 'b@example.com', at(500));
    expect(await service.sweep(at(WINDOW_SECONDS + 1))).toBe(2);
    expect(await service.sweep(at(WINDOW_SECONDS + 500))).toBe(2);
  });
});
