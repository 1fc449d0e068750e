import { PasswordHasher } from '../../src/accounts/password-hasher.service.js';
import { useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const ROUNDS = 30;
const WRONG_PASSWORD = 'definitely-not-the-password-7';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

describe('no user enumeration through login (e2e)', () => {
  // The service's default argon2 cost, so that hashing dominates a login as it does in production;
  // the per-email limit is raised because this suite fails one email on purpose many times.
  const t = useTestApp({ ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2', LOGIN_MAX_FAILURES_PER_EMAIL: '1000' });
  let knownEmail: string;

  beforeAll(async () => {
    const input = uniqueOrg('Enumeration');
    await t.http().post('/org/create').send(input).expect(201);
    knownEmail = input.email;
  });

  const attempt = (email: string) => t.http().post('/admin/login').send({ email, password: WRONG_PASSWORD });

  it('answers an unknown email exactly as a wrong password: status, body and headers', async () => {
    const wrongPassword = await attempt(knownEmail);
    const unknownEmail = await attempt(`nobody-${Date.now()}@example.com`);
    const comparable = (response: typeof wrongPassword) => ({
      status: response.status,
      body: { ...response.body, requestId: undefined },
      headers: Object.keys(response.headers)
        .filter((name) => name !== 'date')
        .sort(),
      contentLength: response.headers['content-length'],
    });
    expect(comparable(unknownEmail)).toEqual(comparable(wrongPassword));
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body.message).toBe('Invalid email or password');
  });

  it('takes about as long for an unknown email as for a wrong password (median over a few dozen tries)', async () => {
    const timings = { wrongPassword: [] as number[], unknownEmail: [] as number[] };
    const timed = async (email: string) => {
      const started = process.hrtime.bigint();
      const response = await attempt(email);
      expect(response.status).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await timed(knownEmail);
    await timed('warm-up@example.com');
    // Interleaved, so drift in machine load hits both sides alike.
    for (let round = 0; round < ROUNDS; round += 1) {
      timings.wrongPassword.push(await timed(knownEmail));
      timings.unknownEmail.push(await timed(`nobody-${round}@example.com`));
    }
    const wrongPassword = median(timings.wrongPassword);
    const unknownEmail = median(timings.unknownEmail);
    const ratio = unknownEmail / wrongPassword;
    console.log(
      `login latency medians over ${ROUNDS} tries: wrong password ${wrongPassword.toFixed(1)} ms, ` +
        `unknown email ${unknownEmail.toFixed(1)} ms (ratio ${ratio.toFixed(2)})`,
    );
    // Generous: without the dummy verification an unknown email answers >10x faster.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

describe('no more than "email taken" through a public create (e2e)', () => {
  const t = useTestApp();

  /** The password-hashing work of one request: argon2 operations by kind. */
  async function hashingOf(send: () => Promise<unknown>): Promise<string[]> {
    const hasher = t.app.get(PasswordHasher);
    const calls: string[] = [];
    const original = { hash: hasher.hash.bind(hasher), verify: hasher.verify.bind(hasher) };
    hasher.hash = (password) => (calls.push('hash'), original.hash(password));
    hasher.verify = (hash, password) => (calls.push('verify'), original.verify(hash, password));
    try {
      await send();
    } finally {
      Object.assign(hasher, original);
    }
    return calls;
  }

  it('costs one argon2 operation for a new email (its hash) and for an existing one with another password (a verify, then 409)', async () => {
    const existing = uniqueOrg('Existing');
    await t.http().post('/org/create').send(existing).expect(201);
    const fresh = await hashingOf(() => t.http().post('/org/create').send(uniqueOrg('Fresh')).expect(201));
    const taken = await hashingOf(() =>
      t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg('Taken'), email: existing.email, password: WRONG_PASSWORD })
        .expect(409),
    );
    expect(fresh).toEqual(['hash']);
    expect(taken).toEqual(['verify']);
  });
});
