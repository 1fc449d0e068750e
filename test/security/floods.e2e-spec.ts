import { expectError } from '../support/expect-error.js';
import { lifecycleProblems, readLifecycleState } from '../support/lifecycle-state.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/** Fires `count` requests at once and returns their statuses, in order. */
async function statusesOf(requests: Array<PromiseLike<{ status: number; headers: Record<string, string> }>>) {
  const responses = await Promise.all(requests);
  for (const response of responses) {
    if (response.status === 429 || response.status === 503) expect(response.headers['retry-after']).toMatch(/^\d+$/);
  }
  return responses.map((response) => response.status);
}

const count = (statuses: number[], status: number) => statuses.filter((candidate) => candidate === status).length;

describe('floods of password-hashing requests (e2e)', () => {
  describe('from one address', () => {
    const t = useTestApp({ TRUST_PROXY: 'true', ONBOARDING_RATE_LIMIT: '10', ONBOARDING_RATE_WINDOW_SECONDS: '3600' });

    it('lets 10 creates through per window and refuses the rest with 429, leaving nothing half-created, while /health answers', async () => {
      const address = '198.51.100.77';
      const creates = Array.from({ length: 300 }, () =>
        t.http().post('/org/create').set('X-Forwarded-For', address).send(uniqueOrg('Flood')),
      );
      const health = Array.from({ length: 20 }, () => t.http().get('/health'));
      const [createStatuses, healthStatuses] = await Promise.all([statusesOf(creates), statusesOf(health)]);

      expect(count(createStatuses, 201)).toBeLessThanOrEqual(10);
      expect(count(createStatuses, 201) + count(createStatuses, 429) + count(createStatuses, 503)).toBe(300);
      expect(count(createStatuses, 429)).toBeGreaterThanOrEqual(290);
      expect(healthStatuses).toEqual(Array(20).fill(200));
      const state = await readLifecycleState(t.db);
      expect(lifecycleProblems(state)).toEqual([]);
      expect(state.organizations).toHaveLength(count(createStatuses, 201));
      // Another address is not affected.
      await t.http().post('/org/create').set('X-Forwarded-For', '198.51.100.78').send(uniqueOrg('Other')).expect(201);
    }, 120_000);

    it('limits invitation accepts per address the same way', async () => {
      const address = '198.51.100.90';
      const accept = () =>
        t
          .http()
          .post('/invitations/accept')
          .set('X-Forwarded-For', address)
          .send({ invitation_token: 'x'.repeat(43), password: 'a-Strong-passphrase-42' });
      for (let i = 0; i < 10; i += 1) expectError(await accept(), 404);
      const refused = await accept();
      expectError(refused, 429, 'Too many requests from this address; retry later');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('beyond the hashing bound', () => {
    // One hash at a time and two waiting: a burst of creates from many addresses overflows at once.
    const t = useTestApp({
      TRUST_PROXY: 'true',
      HASH_CONCURRENCY: '1',
      HASH_QUEUE_LIMIT: '2',
      ARGON2_MEMORY_KIB: '19456',
      ARGON2_TIME_COST: '2',
    });

    it('answers 503 with Retry-After at once instead of queueing, and everything answered 201 is whole', async () => {
      const creates = Array.from({ length: 40 }, (_, i) =>
        t
          .http()
          .post('/org/create')
          .set('X-Forwarded-For', `203.0.113.${i + 1}`)
          .send(uniqueOrg('Burst')),
      );
      const statuses = await statusesOf(creates);
      expect(count(statuses, 201) + count(statuses, 503)).toBe(40);
      expect(count(statuses, 503)).toBeGreaterThan(0);
      expect(count(statuses, 201)).toBeGreaterThanOrEqual(3);
      const busy = await t.http().post('/org/create').set('X-Forwarded-For', '203.0.113.200').send(uniqueOrg('After'));
      expect([201, 503]).toContain(busy.status);
      const state = await readLifecycleState(t.db);
      expect(lifecycleProblems(state)).toEqual([]);
      expect(state.organizations).toHaveLength(count(statuses, 201) + (busy.status === 201 ? 1 : 0));
      // Once the burst is over, creates and logins work again.
      const input = uniqueOrg('Calm');
      await t.http().post('/org/create').set('X-Forwarded-For', '203.0.113.201').send(input).expect(201);
      await t
        .http()
        .post('/admin/login')
        .set('X-Forwarded-For', '203.0.113.201')
        .send({ email: input.email, password: input.password })
        .expect(200);
    }, 120_000);
  });

  describe('while the hasher is full', () => {
    // One slow hash at a time and one waiting: two creates fill the hasher for a second or two.
    const t = useTestApp({
      TRUST_PROXY: 'true',
      HASH_CONCURRENCY: '1',
      HASH_QUEUE_LIMIT: '1',
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_TIME_COST: '20',
    });

    /** An invalid create: 400 from validation, unless the hasher is full and refuses it first. */
    const probe = () => t.http().post('/org/create').set('X-Forwarded-For', '203.0.113.60').send({ organization_name: 1 });

    /**
     * Fills the hasher with two creates, waits until a probe is refused with 503, runs `action`,
     * and checks that a probe is still refused afterwards (nothing else frees the hasher, so it was
     * full throughout). Returns the action's result, the first refusal and the two creates' statuses.
     */
    async function whileFull<T>(action: () => Promise<T>) {
      let settled = false;
      const creates = Promise.all(
        [uniqueOrg('Fill'), uniqueOrg('Fill')].map((input, i) =>
          t
            .http()
            .post('/org/create')
            .set('X-Forwarded-For', `203.0.113.${i + 50}`)
            .send(input),
        ),
      ).finally(() => (settled = true));
      let refusal: Awaited<ReturnType<typeof probe>> | undefined;
      while (!settled && refusal === undefined) {
        const response = await probe();
        if (response.status === 503) refusal = response;
        else expect(response.status).toBe(400);
      }
      expect(refusal).toBeDefined();
      const result = await action();
      expect((await probe()).status).toBe(503);
      const statuses = (await creates).map((response) => response.status);
      return { result, refusal: refusal!, statuses };
    }

    it('refuses hashing requests with 503 and Retry-After before validating them', async () => {
      const { refusal, statuses } = await whileFull(() => Promise.resolve());
      expectError(refusal, 503, 'The service is busy hashing passwords; retry shortly');
      expect(refusal.headers['retry-after']).toBe('1');
      expect(statuses).toEqual([201, 201]);
    }, 60_000);

    it('refuses a password change but lets a PUT /org/update without a password through', async () => {
      const { token, input } = await createOrgWithToken(t);
      const { result } = await whileFull(async () => ({
        withPassword: (await t.withToken(token).put('/org/update').send({ password: 'a-new-Strong-passphrase-43' })).status,
        without: (await t.withToken(token).put('/org/update').send({ organization_name: input.organization_name })).status,
      }));
      expect(result).toEqual({ withPassword: 503, without: 200 });
    }, 60_000);
  });
});
