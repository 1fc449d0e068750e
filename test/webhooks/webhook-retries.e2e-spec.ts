import { Types } from 'mongoose';
import { waitFor } from '../support/lifecycle-state.js';
import { createOrgWithToken, type Session, useTestApp } from '../support/session.js';
import { type Received, WEBHOOK_TEST_ENV, WebhookReceiver, useReceivers } from '../support/webhook-receiver.js';

interface DeliveryView {
  event_id: string;
  event_type: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  last_status_code: number | null;
  last_response: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
}

interface EndpointView {
  id: string;
  disabled: boolean;
  disabled_at: string | null;
  failing_since: string | null;
}

/** The endpoint's delivery log, oldest event first. */
async function deliveryLog(t: Session, token: string, endpointId: string): Promise<DeliveryView[]> {
  const page = await t.withToken(token).get(`/org/webhooks/${endpointId}/deliveries`).query({ limit: 100 }).expect(200);
  return (page.body.items as DeliveryView[]).reverse();
}

/** Waits until the endpoint's log satisfies `done`, and returns it. */
function untilLog(
  t: Session,
  token: string,
  endpointId: string,
  what: string,
  done: (log: DeliveryView[]) => boolean,
  timeoutMs = 15_000,
): Promise<DeliveryView[]> {
  let last: DeliveryView[] = [];
  return waitFor(
    async () => {
      last = await deliveryLog(t, token, endpointId);
      return done(last) ? last : undefined;
    },
    () => `${what} (log: ${JSON.stringify(last)})`,
    timeoutMs,
  );
}

async function endpointView(t: Session, token: string, endpointId: string): Promise<EndpointView> {
  const page = await t.withToken(token).get('/org/webhooks').expect(200);
  const found = (page.body.items as EndpointView[]).find((item) => item.id === endpointId);
  if (!found) throw new Error(`endpoint ${endpointId} is not listed`);
  return found;
}

/** Received POSTs grouped by webhook-id, in first-arrival order. */
function byId(received: Received[]): Map<string, Received[]> {
  const groups = new Map<string, Received[]>();
  for (const one of received) groups.set(one.id, [...(groups.get(one.id) ?? []), one]);
  return groups;
}

/** An organization with one endpoint on `receiver`; its first event is the endpoint's own `webhook.created`. */
async function orgWithEndpoint(t: Session, receiver: WebhookReceiver) {
  const { token } = await createOrgWithToken(t);
  const endpoint = await t.withToken(token).post('/org/webhooks').send({ url: receiver.url }).expect(201);
  return { token, endpointId: endpoint.body.id as string, secret: endpoint.body.secret as string };
}

/** An event of the organization: an API key created. */
async function apiKeyEvent(t: Session, token: string, name: string): Promise<string> {
  const key = await t.withToken(token).post('/org/api-keys').send({ name, role: 'viewer' }).expect(201);
  return key.body.id as string;
}

describe('webhooks: retries (e2e)', () => {
  const t = useTestApp(WEBHOOK_TEST_ENV);
  const receiver = useReceivers();

  it('retries 500s with backoff until a 2xx: each event once, 4 attempts each, every attempt freshly signed', async () => {
    const hooks = await receiver();
    hooks.answer = (received) => ({ status: received.attempt <= 3 ? 500 : 204 });
    const { token, endpointId, secret } = await orgWithEndpoint(t, hooks);
    await apiKeyEvent(t, token, 'one');
    await apiKeyEvent(t, token, 'two');

    const log = await untilLog(
      t,
      token,
      endpointId,
      '3 delivered',
      (items) => items.length === 3 && items.every((item) => item.status === 'delivered'),
    );
    for (const item of log) {
      expect(item).toMatchObject({ attempts: 4, status: 'delivered', last_status_code: 204, next_attempt_at: null });
    }
    expect(log.map((item) => item.event_type)).toEqual(['webhook.created', 'api_key.created', 'api_key.created']);
    // Each id: three 500s, then one 2xx, and nothing after it.
    const groups = byId(hooks.received);
    expect([...groups.keys()]).toEqual(log.map((item) => item.event_id));
    for (const attempts of groups.values()) {
      expect(attempts.map((one) => one.attempt)).toEqual([1, 2, 3, 4]);
      expect(attempts.map((one) => one.acceptedWith)).toEqual([undefined, undefined, undefined, 204]);
      // The same body every time; the backoff grows (base 100 ms, equal jitter: at least 50, 100, 200 ms).
      expect(new Set(attempts.map((one) => one.body)).size).toBe(1);
      for (let n = 1; n < attempts.length; n += 1)
        expect(attempts[n].at - attempts[n - 1].at).toBeGreaterThanOrEqual(50 * 2 ** (n - 1) - 5);
    }
    expect(hooks.accepted().map((one) => one.id)).toEqual(log.map((item) => item.event_id));
    // Signed at each attempt: a valid signature, with a timestamp of the attempt's own moment.
    hooks.verifyAll(secret);
    for (const one of hooks.received) expect(Math.abs(Number(one.timestamp) - Math.floor(one.at / 1000))).toBeLessThanOrEqual(1);
    expect(hooks.maxConcurrentPerId).toBe(1);
  });

  it('a receiver that never answers is given up on after 10 s, and the delivery is retried', async () => {
    const hooks = await receiver();
    // The second attempt is held a moment so that the log can be read between the two.
    hooks.answer = (received) => (received.attempt === 1 ? { hang: true } : { status: 204, delayMs: 1000 });
    const { token, endpointId } = await orgWithEndpoint(t, hooks);

    await waitFor(
      async () => (hooks.received.length >= 2 ? true : undefined),
      () => `a second attempt (have ${hooks.received.length})`,
      25_000,
    );
    const [first, second] = hooks.received;
    expect(second.id).toBe(first.id);
    expect(second.at - first.at).toBeGreaterThanOrEqual(9_900);
    const [failed] = await deliveryLog(t, token, endpointId);
    expect(failed).toMatchObject({ attempts: 1, status: 'pending', last_status_code: null });
    expect(failed.last_response).toMatch(/no answer within 10000 ms/);

    const [delivered] = await untilLog(t, token, endpointId, 'delivered', ([item]) => item?.status === 'delivered');
    expect(delivered).toMatchObject({ attempts: 2, last_status_code: 204, next_attempt_at: null });
    expect(hooks.accepted()).toHaveLength(1);
    expect(hooks.received).toHaveLength(2);
  }, 30_000);

  it('a receiver that is down is retried until it is back on its port: every event arrives, once', async () => {
    const hooks = await receiver();
    const { token, endpointId, secret } = await orgWithEndpoint(t, hooks);
    await hooks.untilAccepted(1);
    await hooks.stop();

    await apiKeyEvent(t, token, 'while-down-1');
    await apiKeyEvent(t, token, 'while-down-2');
    const down = await untilLog(
      t,
      token,
      endpointId,
      'both new events pending, the first tried twice',
      (items) => items.length === 3 && items[1].attempts >= 2 && items[2].status === 'pending',
    );
    for (const item of down.slice(1)) {
      expect(item).toMatchObject({ status: 'pending', last_status_code: null, next_attempt_at: expect.any(String) });
    }
    expect(down[1].last_response).toMatch(/ECONNREFUSED/);
    expect(hooks.received).toHaveLength(1);

    await hooks.listen();
    const accepted = await hooks.untilAccepted(3);
    expect(accepted.map((one) => one.id)).toEqual(down.map((item) => item.event_id));
    const log = await untilLog(t, token, endpointId, 'all delivered', (items) => items.every((item) => item.status === 'delivered'));
    expect(log.map((item) => item.last_status_code)).toEqual([204, 204, 204]);
    // Nothing reached the receiver while it was down; once back, each event came once.
    expect(hooks.received.map((one) => one.id)).toEqual(down.map((item) => item.event_id));
    hooks.verifyAll(secret);
  });

  it('events of one organization wait for an earlier one being retried, and arrive in order', async () => {
    const hooks = await receiver();
    let released = false;
    // The first event fails at least twice, and until the later ones are waiting behind it.
    hooks.answer = (received) => ({
      status: received.payload.type === 'webhook.created' && (received.attempt <= 2 || !released) ? 500 : 204,
    });
    const { token, endpointId } = await orgWithEndpoint(t, hooks);
    await apiKeyEvent(t, token, 'second');
    await apiKeyEvent(t, token, 'third');
    const waiting = await untilLog(
      t,
      token,
      endpointId,
      'the first event failed twice with two events behind it',
      (items) => items.length === 3 && items[0].attempts >= 2,
    );
    expect(waiting.map((item) => [item.event_type, item.status])).toEqual([
      ['webhook.created', 'pending'],
      ['api_key.created', 'pending'],
      ['api_key.created', 'pending'],
    ]);
    expect(waiting.slice(1).map((item) => item.attempts)).toEqual([0, 0]);
    released = true;

    const ids = waiting.map((item) => item.event_id);
    const accepted = await hooks.untilAccepted(3);
    expect(accepted.map((one) => one.id)).toEqual(ids);
    // The later events were first sent after the first was accepted, and once each.
    const firstAccepted = accepted[0].at;
    const later = hooks.received.filter((one) => one.id !== ids[0]);
    expect(later.map((one) => one.id)).toEqual(ids.slice(1));
    for (const one of later) expect(one.at).toBeGreaterThanOrEqual(firstAccepted);
    expect(hooks.received.filter((one) => one.id === ids[0]).length).toBeGreaterThanOrEqual(3);
  });

  it('does not follow a redirect: the 302 is the answer, and the delivery is retried', async () => {
    const elsewhere = await receiver();
    const hooks = await receiver();
    hooks.answer = () => ({ status: 302, headers: { location: elsewhere.url } });
    const { token, endpointId } = await orgWithEndpoint(t, hooks);

    await waitFor(
      async () => (hooks.received.length >= 3 ? true : undefined),
      () => `3 attempts (have ${hooks.received.length})`,
    );
    const [item] = await untilLog(t, token, endpointId, '2 attempts recorded', ([one]) => (one?.attempts ?? 0) >= 2);
    expect(item).toMatchObject({ status: 'pending', last_status_code: 302, next_attempt_at: expect.any(String) });
    expect(hooks.accepted()).toHaveLength(0);
    expect(elsewhere.received).toHaveLength(0);
    await t.withToken(token).delete(`/org/webhooks/${endpointId}`).expect(204);
  });

  it('keeps at most 1 KiB of an answer', async () => {
    const hooks = await receiver();
    // 5,000 bytes, two-byte characters after an odd first byte: 1 KiB ends inside a character.
    const body = `x${'é'.repeat(2499)}x`;
    expect(Buffer.byteLength(body)).toBe(5000);
    hooks.answer = () => ({ status: 500, body, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const { token, endpointId } = await orgWithEndpoint(t, hooks);

    const [item] = await untilLog(t, token, endpointId, 'an attempt recorded', ([one]) => (one?.attempts ?? 0) >= 1);
    expect(item.last_status_code).toBe(500);
    const kept = item.last_response ?? '';
    expect(kept.length).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(kept)).toBeGreaterThanOrEqual(1000);
    expect(body.startsWith(kept)).toBe(true);
    await t.withToken(token).delete(`/org/webhooks/${endpointId}`).expect(204);
  });

  it('deleting an endpoint stops its deliveries and removes its log', async () => {
    const failing = await receiver();
    failing.answer = () => ({ status: 500 });
    const { token, endpointId } = await orgWithEndpoint(t, failing);
    // A second endpoint of the organization, to see the events after the delete go somewhere.
    const witness = await receiver();
    const other = await t.withToken(token).post('/org/webhooks').send({ url: witness.url }).expect(201);
    await apiKeyEvent(t, token, 'pending');
    await untilLog(t, token, endpointId, 'retrying', (items) => items.length === 3 && items[0].attempts >= 2);
    const stored = await t.db.master
      .collection('webhook_deliveries')
      .find({ endpoint_id: new Types.ObjectId(endpointId) })
      .toArray();
    const lastDue = Math.max(...stored.map((doc) => (doc.next_attempt_at as Date | null)?.getTime() ?? 0));

    await t.withToken(token).delete(`/org/webhooks/${endpointId}`).expect(204);
    const deletedAt = Date.now();
    await t.withToken(token).get(`/org/webhooks/${endpointId}/deliveries`).expect(404);
    expect(await t.db.master.collection('webhook_deliveries').countDocuments({ endpoint_id: new Types.ObjectId(endpointId) })).toBe(0);

    // Its retries were due by `lastDue`: wait past it (and past an event after the delete reaching the other endpoint).
    const afterDelete = await apiKeyEvent(t, token, 'after-delete');
    await waitFor(
      async () =>
        Date.now() > Math.max(lastDue, deletedAt) + 500 && witness.accepted().some((one) => one.payload.data.target?.id === afterDelete)
          ? true
          : undefined,
      () =>
        `the witness getting the last event (have ${witness
          .accepted()
          .map((one) => one.payload.type)
          .join(', ')})`,
    );
    // An attempt read before the delete may still arrive; nothing is sent after it.
    const sentAfter = failing.received.filter((one) => one.at > deletedAt);
    expect(sentAfter.length).toBeLessThanOrEqual(1);
    expect(failing.received.some((one) => one.payload.data.target?.id === afterDelete)).toBe(false);
    expect(failing.received.some((one) => one.payload.type === 'webhook.deleted')).toBe(false);
    expect(await t.db.master.collection('webhook_deliveries').countDocuments({ endpoint_id: new Types.ObjectId(endpointId) })).toBe(0);
    expect(other.body.id).not.toBe(endpointId);
  });
});

describe('webhooks: the retry horizon (e2e)', () => {
  const t = useTestApp({ ...WEBHOOK_TEST_ENV, WEBHOOK_RETRY_FOR_SECONDS: '2' });
  const receiver = useReceivers();

  it('a delivery failing past WEBHOOK_RETRY_FOR_SECONDS is failed; a manual retry delivers it', async () => {
    const hooks = await receiver();
    hooks.answer = () => ({ status: 500 });
    const { token, endpointId, secret } = await orgWithEndpoint(t, hooks);

    const [failed] = await untilLog(t, token, endpointId, 'failed', ([one]) => one?.status === 'failed');
    expect(failed).toMatchObject({ status: 'failed', next_attempt_at: null, last_status_code: 500 });
    expect(failed.attempts).toBeGreaterThanOrEqual(3);
    const attemptsMade = hooks.received.length;
    expect(attemptsMade).toBe(failed.attempts);
    // Tried for the horizon: the last attempt is at least 2 s after the first.
    expect(hooks.received[attemptsMade - 1].at - hooks.received[0].at).toBeGreaterThanOrEqual(1_500);
    expect((await endpointView(t, token, endpointId)).disabled).toBe(false);

    hooks.answer = () => ({ status: 204 });
    await t.withToken(token).post(`/org/webhooks/${endpointId}/deliveries/${failed.event_id}/retry`).expect(202);
    const [accepted] = await hooks.untilAccepted(1);
    expect(accepted.id).toBe(failed.event_id);
    const [delivered] = await untilLog(t, token, endpointId, 'delivered', ([one]) => one?.status === 'delivered');
    expect(delivered).toMatchObject({ attempts: attemptsMade + 1, last_status_code: 204, next_attempt_at: null });
    expect(hooks.received).toHaveLength(attemptsMade + 1);
    hooks.verifyAll(secret);
  });
});

describe('webhooks: disabling a failing endpoint (e2e)', () => {
  const t = useTestApp({ ...WEBHOOK_TEST_ENV, WEBHOOK_DISABLE_AFTER_SECONDS: '1' });
  const receiver = useReceivers();

  it('an endpoint failing for WEBHOOK_DISABLE_AFTER_SECONDS is disabled; a manual retry enables it again', async () => {
    const witness = await receiver();
    const hooks = await receiver();
    hooks.answer = () => ({ status: 500 });
    const { token } = await createOrgWithToken(t);
    await t.withToken(token).post('/org/webhooks').send({ url: witness.url }).expect(201);
    const endpoint = await t.withToken(token).post('/org/webhooks').send({ url: hooks.url }).expect(201);
    const endpointId: string = endpoint.body.id;
    await apiKeyEvent(t, token, 'behind');

    const disabled = await waitFor(
      async () => {
        const view = await endpointView(t, token, endpointId);
        return view.disabled ? view : undefined;
      },
      () => 'the endpoint disabled',
    );
    expect(disabled).toMatchObject({ disabled: true, disabled_at: expect.any(String), failing_since: expect.any(String) });
    expect(Date.parse(disabled.disabled_at!) - Date.parse(disabled.failing_since!)).toBeGreaterThanOrEqual(1000);
    // Its pending deliveries were ended, the one waiting behind included.
    const log = await deliveryLog(t, token, endpointId);
    expect(log.map((item) => [item.event_type, item.status, item.next_attempt_at])).toEqual([
      ['webhook.created', 'failed', null],
      ['api_key.created', 'failed', null],
    ]);
    expect(log[1].last_response).toMatch(/disabled/);
    const sentBefore = hooks.received.length;
    expect(hooks.received.every((one) => one.id === log[0].event_id)).toBe(true);

    // A later event goes to the organization's other endpoint, not to the disabled one.
    const later = await apiKeyEvent(t, token, 'later');
    await waitFor(
      async () => (witness.accepted().some((one) => one.payload.data.target?.id === later) ? true : undefined),
      () => 'the later event at the other endpoint',
    );
    expect((await deliveryLog(t, token, endpointId)).map((item) => item.event_id)).toEqual(log.map((item) => item.event_id));
    expect(hooks.received).toHaveLength(sentBefore);

    hooks.answer = () => ({ status: 204 });
    await t.withToken(token).post(`/org/webhooks/${endpointId}/deliveries/${log[0].event_id}/retry`).expect(202);
    expect(await endpointView(t, token, endpointId)).toMatchObject({ disabled: false, disabled_at: null });
    const [accepted] = await hooks.untilAccepted(1);
    expect(accepted.id).toBe(log[0].event_id);
    const [delivered] = await untilLog(t, token, endpointId, 'delivered', ([one]) => one?.status === 'delivered');
    expect(delivered).toMatchObject({ status: 'delivered', last_status_code: 204 });
    expect((await endpointView(t, token, endpointId)).failing_since).toBeNull();
  });
});
