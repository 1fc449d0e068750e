import { expectError, type ResponseLike } from '../support/expect-error.js';
import { untilStatus } from '../support/polling.js';
import { registeredRoutes } from '../support/routes.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';

/** TENANT_RATE_LIMIT of this suite: small, so that a burst is well past it. */
const LIMIT = 5;
const REFUSED = 'Too many requests for this organization; retry later';

type Response = ResponseLike & { headers: Record<string, string> };

const count = (responses: Response[], status: number) => responses.filter((response) => response.status === status).length;

/**
 * The most a full bucket of LIMIT lets through during a burst that took `elapsedMs` from its first
 * send to its last answer: the bucket plus what refilled meanwhile (the service counts whole
 * milliseconds, hence the one added). Under a second, that is at most 2 × LIMIT.
 */
const mostAdmitted = (elapsedMs: number) => LIMIT + Math.floor(((elapsedMs + 1) * LIMIT) / 1000);

/** Asserts a refusal of the fair share: 429, the standard error body, and a Retry-After of whole seconds, at least 1. */
function expectRefused(response: Response): number {
  expectError(response, 429, REFUSED);
  expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  return Number(response.headers['retry-after']);
}

/** A's burst of 30 with B's 5 among them: B is served in full, A beyond its share gets 429. */
async function expectOnlyTheBurstRefused(t: ReturnType<typeof useTestApp>): Promise<void> {
  const listRecords = (token: string) => () => t.withToken(token).get('/org/records');
  const [a, b] = await Promise.all([createOrgWithToken(t), createOrgWithToken(t)]);
  // 30 of A's with 5 of B's (its whole share) among them.
  const sends: Array<{ org: 'a' | 'b'; send: () => PromiseLike<Response> }> = [];
  for (let i = 0; i < 30; i += 1) {
    sends.push({ org: 'a', send: listRecords(a.token) });
    if (i % 6 === 3) sends.push({ org: 'b', send: listRecords(b.token) });
  }
  const started = Date.now();
  const responses = await Promise.all(sends.map(({ send }) => send()));
  const elapsedMs = Date.now() - started;
  const ofA = responses.filter((_, i) => sends[i].org === 'a');
  const ofB = responses.filter((_, i) => sends[i].org === 'b');

  expect(ofB.map((response) => response.status)).toEqual(Array(LIMIT).fill(200));
  expect(count(ofA, 200) + count(ofA, 429)).toBe(30);
  // A's bucket was full: its first LIMIT pass; beyond that only what refilled during the burst.
  expect(count(ofA, 200)).toBeGreaterThanOrEqual(LIMIT);
  expect(count(ofA, 200)).toBeLessThanOrEqual(mostAdmitted(elapsedMs));
  expect(count(ofA, 429)).toBeGreaterThan(0);
  for (const response of ofA.filter(({ status }) => status === 429)) expectRefused(response);
}

describe('Fair share on /org/records (e2e)', () => {
  const t = useTestApp({ TENANT_RATE_LIMIT: String(LIMIT) });

  /** Sends all at once; the answers in order, and the time from the first send to the last answer. */
  async function burst(sends: Array<() => PromiseLike<Response>>): Promise<{ responses: Response[]; elapsedMs: number }> {
    const started = Date.now();
    const responses = await Promise.all(sends.map((send) => send()));
    return { responses, elapsedMs: Date.now() - started };
  }

  const listRecords = (token: string) => () => t.withToken(token).get('/org/records');

  it("refuses one organization's burst beyond its share with 429 + Retry-After, while another's requests in the same burst all pass", () =>
    expectOnlyTheBurstRefused(t));

  it('serves the organization again once Retry-After has passed', async () => {
    const a = await createOrgWithToken(t);
    const { responses } = await burst(Array.from({ length: 3 * LIMIT }, () => listRecords(a.token)));
    const refused = responses.find(({ status }) => status === 429);
    expect(refused).toBeDefined();
    const retryAfter = expectRefused(refused!);
    // Refused requests use none of the share, so polling does not push the answer further away;
    // fails unless a request is served within Retry-After (and a little slack).
    await untilStatus(listRecords(a.token), 200, retryAfter * 1000 + 1000);
  });

  it("does not limit the organization's routes outside /org/records while it is over its share", async () => {
    const a = await createOrgWithToken(t);
    const [records, elsewhere] = await Promise.all([
      burst(Array.from({ length: 4 * LIMIT }, () => listRecords(a.token))),
      burst([
        ...Array.from({ length: 2 * LIMIT }, () => () => t.withToken(a.token).get('/org/collection/stats')),
        ...Array.from({ length: 2 * LIMIT }, () => () => t.withToken(a.token).get('/me')),
      ]),
    ]);
    expect(count(records.responses, 429)).toBeGreaterThan(0);
    expect(elsewhere.responses.map(({ status }) => status)).toEqual(Array(4 * LIMIT).fill(200));
    // And right after it.
    const after = await Promise.all([t.withToken(a.token).get('/org/collection/stats'), t.withToken(a.token).get('/me')]);
    expect(after.map(({ status }) => status)).toEqual([200, 200]);
  });

  it("counts an API key of the organization against the organization's share", async () => {
    const a = await createOrgWithToken(t);
    const created = await t.withToken(a.token).post('/org/api-keys').send({ name: 'fair share', role: 'viewer' }).expect(201);
    const key = created.body.key as string;
    // Used once outside /org/records, so that the burst below does not wait for the key's first
    // (uncached) check, and A's share is untouched.
    await t.withToken(key).get('/org/collection/stats').expect(200);
    // The member's token empties A's bucket...
    const byToken = await burst(Array.from({ length: 3 * LIMIT }, () => listRecords(a.token)));
    expect(count(byToken.responses, 429)).toBeGreaterThan(0);
    // ...so the key, right after, is refused: a bucket of its own would let all LIMIT of these
    // through, A's lets through only what refilled since (one per 1000 / LIMIT ms).
    const byKey = await burst(Array.from({ length: LIMIT }, () => listRecords(key)));
    expect(count(byKey.responses, 200) + count(byKey.responses, 429)).toBe(LIMIT);
    expect(count(byKey.responses, 429)).toBeGreaterThan(0);
    for (const response of byKey.responses.filter(({ status }) => status === 429)) expectRefused(response);
  });

  it('limits every route under /org/records, whatever controller serves it', async () => {
    const a: OrgWithToken = await createOrgWithToken(t);
    const routes = registeredRoutes(t.app).filter(({ path }) => path === '/org/records' || path.startsWith('/org/records/'));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    const api = t.withToken(a.token);
    for (const route of routes) {
      const url = route.path.replace(/:[^/]+/g, '507f1f77bcf86cd799439011');
      const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      // Refused before validation and the handler: the guard runs first, so even a body the route would refuse gets 429.
      const { responses } = await burst(Array.from({ length: 3 * LIMIT }, () => () => api[method](url).send({})));
      expect({ route: route.route, refused: count(responses, 429) > 0 }).toEqual({ route: route.route, refused: true });
      for (const response of responses.filter(({ status }) => status === 429)) expectRefused(response);
    }
  });

  it('documents the 429 and its Retry-After on every operation under /org/records', async () => {
    const { body: document } = await t.http().get('/docs-json').expect(200);
    const operations = Object.entries(document.paths as Record<string, Record<string, any>>)
      .filter(([path]) => path === '/org/records' || path.startsWith('/org/records/'))
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => ({ operation: `${method} ${path}`, responses: operation.responses })),
      );
    expect(operations.length).toBeGreaterThanOrEqual(5);
    for (const { operation, responses } of operations) {
      expect({ operation, tooManyRequests: responses['429'] }).toEqual({
        operation,
        tooManyRequests: expect.objectContaining({
          description: expect.stringContaining('TENANT_RATE_LIMIT'),
          headers: expect.objectContaining({ 'Retry-After': { $ref: '#/components/headers/Retry-After' } }),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
        }),
      });
    }
  });
});

describe.each(['shared', 'database'] as const)('Fair share in %s mode (e2e)', (mode) => {
  const t = useTestApp({ TENANT_RATE_LIMIT: String(LIMIT), DEFAULT_PLACEMENT: mode });

  it("refuses one organization's burst beyond its share, while another's requests all pass", () => expectOnlyTheBurstRefused(t));
});
