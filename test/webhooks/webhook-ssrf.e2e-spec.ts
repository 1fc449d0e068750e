import { Webhook } from 'standardwebhooks';
import type { WebhookHeaders } from '../../src/webhooks/delivery/standard-webhooks.js';
import { WebhookNetwork } from '../../src/webhooks/delivery/webhook-network.js';
import type { DeliveryOutcome } from '../../src/webhooks/delivery/webhook-sender.js';
import type { CheckedTarget } from '../../src/webhooks/targets/webhook-target.js';
import { expectError } from '../support/expect-error.js';
import { bearer } from '../support/fetch-client.js';
import { waitFor } from '../support/lifecycle-state.js';
import { createOrgWithToken, type Session, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY } from '../support/test-app.js';
import { useReceivers, WEBHOOK_TEST_ENV } from '../support/webhook-receiver.js';

const OPERATOR = bearer(TEST_OPERATOR_KEY);
/** Fast passes and retries; private targets refused (WEBHOOK_ALLOW_PRIVATE_TARGETS unset), as in production. */
const FAST = { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_BASE_MS: '100' };

interface Sent {
  target: CheckedTarget;
  headers: WebhookHeaders;
  body: string;
}

/**
 * DNS and HTTP as the test says: `resolve` answers from `answers` (anything else does not
 * resolve), `send` answers 204. Every call is recorded, so a refusal that fails is a call here,
 * never traffic.
 */
class StubNetwork extends WebhookNetwork {
  answers: Record<string, string[]> = {};
  readonly resolved: { hostname: string; at: number }[] = [];
  readonly sent: Sent[] = [];

  async resolve(hostname: string): Promise<string[]> {
    this.resolved.push({ hostname, at: Date.now() });
    const found = this.answers[hostname];
    if (!found) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return [...found];
  }

  async send(target: CheckedTarget, headers: WebhookHeaders, body: string): Promise<DeliveryOutcome> {
    this.sent.push({ target, headers, body });
    return { status: 204, detail: '', delivered: true };
  }

  sentFor(eventId: string): Sent[] {
    return this.sent.filter((sent) => sent.headers['webhook-id'] === eventId);
  }
}

interface DeliveryView {
  event_id: string;
  event_type: string;
  attempts: number;
  status: string;
  last_status_code: number | null;
  last_response: string;
}

async function deliveryLog(t: Session, token: string, endpointId: string): Promise<DeliveryView[]> {
  return (await t.withToken(token).get(`/org/webhooks/${endpointId}/deliveries`).query({ limit: 100 }).expect(200)).body.items;
}

/** The id of the audit event (and so of the webhook event) whose target is `targetId`. */
async function eventOf(t: Session, token: string, action: string, targetId: string): Promise<string> {
  const page = await t.withToken(token).get('/org/audit').query({ limit: 100 }).expect(200);
  const event = (page.body.items as { id: string; action: string; target?: { id: string } }[]).find(
    (item) => item.action === action && item.target?.id === targetId,
  );
  if (!event) throw new Error(`no ${action} event for ${targetId} in the audit log`);
  return event.id;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Endpoints stored now: a test compares before and after, so that one wrongly stored fails only its own test. */
async function storedEndpoints(t: Session): Promise<number> {
  return t.db.master.collection('webhook_endpoints').countDocuments();
}

describe('webhooks: no SSRF (e2e)', () => {
  describe('loopback spellings and other schemes, on the real network (port 1: nothing listens there)', () => {
    const t = useTestApp(FAST);

    const refused: [string, RegExp][] = [
      ['http://127.0.0.1:1/', /url must not point at loopback \(127\.0\.0\.1 is 127\.0\.0\.1\)/],
      ['http://[::1]:1/', /url must not point at loopback \(::1 is ::1\)/],
      ['http://localhost:1/', /url must not point at loopback \(localhost is (127\.0\.0\.1|::1)\)/],
      ['http://2130706433:1/', /url must not point at loopback \(127\.0\.0\.1 is 127\.0\.0\.1\)/],
      ['http://0177.0.0.1:1/', /url must not point at loopback \(127\.0\.0\.1 is 127\.0\.0\.1\)/],
      ['http://0x7f.1:1/', /url must not point at loopback \(127\.0\.0\.1 is 127\.0\.0\.1\)/],
      ['http://0x7f000001:1/', /url must not point at loopback/],
      ['http://[::ffff:127.0.0.1]:1/', /url must not point at loopback/],
      ['http://[::127.0.0.1]:1/', /url must not point at loopback/],
      ['http://0.0.0.0:1/', /url must not point at this network \(0\.0\.0\.0 is 0\.0\.0\.0\)/],
      ['http://[::]:1/', /url must not point at unspecified/],
      ['file:///etc/passwd', /url must be http or https/],
      ['ftp://127.0.0.1:1/', /url must be http or https/],
      ['http://user:pass@127.0.0.1:1/', /url must not carry credentials/],
    ];

    it.each(refused)('POST /org/webhooks refuses %s with a 400 naming the reason, and stores nothing', async (url, message) => {
      const { token } = await createOrgWithToken(t);
      const before = await storedEndpoints(t);
      expectError(await t.withToken(token).post('/org/webhooks').send({ url }), 400, message);
      expect((await t.withToken(token).get('/org/webhooks').expect(200)).body.items).toEqual([]);
      expect(await storedEndpoints(t)).toBe(before);
    });

    it.each(refused)('POST /platform/webhooks refuses %s the same way', async (url, message) => {
      const before = await storedEndpoints(t);
      expectError(await t.http().post('/platform/webhooks').set(OPERATOR).send({ url }), 400, message);
      expect(await storedEndpoints(t)).toBe(before);
    });
  });

  describe('private and metadata targets, through a resolver and an HTTP client of the test', () => {
    const network = new StubNetwork();
    const t = useTestApp(FAST, { providers: [{ provide: WebhookNetwork, useValue: network }] });
    const host = 'hooks.internal.example';

    it.each([
      ['10.0.0.5', /a private network/],
      ['172.16.3.4', /a private network/],
      ['192.168.1.1', /a private network/],
      ['169.254.169.254', /link-local \(and cloud metadata\)/],
      ['fd00::1', /a unique local \(private\) network/],
      ['::ffff:10.0.0.1', /a private network/],
      ['::ffff:a9fe:a9fe', /link-local \(and cloud metadata\)/],
      ['64:ff9b::a9fe:a9fe', /link-local \(and cloud metadata\)/],
      ['fe80::1', /link-local/],
      ['100.64.0.1', /a shared \(carrier-grade NAT\) network/],
      ['127.0.0.1', /loopback/],
    ])('a host resolving to %s is refused at creation, for an organization and the platform', async (address, reason) => {
      network.answers = { [host]: [address] };
      const { token } = await createOrgWithToken(t);
      const resolvedBefore = network.resolved.length;
      const before = await storedEndpoints(t);
      const message = new RegExp(`^url must not point at ${reason.source} \\(${escape(host)} is ${escape(address)}\\)$`);
      expectError(
        await t
          .withToken(token)
          .post('/org/webhooks')
          .send({ url: `http://${host}/x` }),
        400,
        message,
      );
      expectError(
        await t
          .http()
          .post('/platform/webhooks')
          .set(OPERATOR)
          .send({ url: `https://${host}/x` }),
        400,
        message,
      );
      // Refused because of what the injected resolver answered, not for want of an answer.
      expect(network.resolved.slice(resolvedBefore).map((call) => call.hostname)).toEqual([host, host]);
      expect(await storedEndpoints(t)).toBe(before);
      expect(network.sent).toEqual([]);
    });

    it('a host resolving to one public and one private address is refused', async () => {
      network.answers = { [host]: ['93.184.216.34', '10.1.2.3'] };
      const { token } = await createOrgWithToken(t);
      const before = await storedEndpoints(t);
      expectError(
        await t
          .withToken(token)
          .post('/org/webhooks')
          .send({ url: `https://${host}/x` }),
        400,
        /a private network \(hooks\.internal\.example is 10\.1\.2\.3\)/,
      );
      network.answers = { [host]: ['2606:4700::1111', '::1'] };
      expectError(
        await t
          .withToken(token)
          .post('/org/webhooks')
          .send({ url: `https://${host}/x` }),
        400,
        /loopback/,
      );
      expect(await storedEndpoints(t)).toBe(before);
      expect(network.sent).toEqual([]);
    });

    it('a metadata IP literal is refused without any lookup', async () => {
      const { token } = await createOrgWithToken(t);
      const resolvedBefore = network.resolved.length;
      const before = await storedEndpoints(t);
      for (const url of ['http://169.254.169.254/latest/meta-data', 'http://2852039166/latest/meta-data', 'http://[fd00:ec2::254]/']) {
        expectError(await t.withToken(token).post('/org/webhooks').send({ url }), 400, /link-local|unique local/);
      }
      expect(network.resolved.length).toBe(resolvedBefore);
      expect(await storedEndpoints(t)).toBe(before);
      expect(network.sent).toEqual([]);
    });

    it('a name that does not resolve is refused', async () => {
      network.answers = {};
      const { token } = await createOrgWithToken(t);
      const before = await storedEndpoints(t);
      expectError(await t.withToken(token).post('/org/webhooks').send({ url: 'https://nowhere.example/x' }), 400, /does not resolve/);
      expect(await storedEndpoints(t)).toBe(before);
    });

    it('checks again before every delivery: a name rebound to the metadata address is not sent to', async () => {
      const rebinding = 'hooks.rebinding.example';
      network.answers = { [rebinding]: ['93.184.216.34'] };
      const { token } = await createOrgWithToken(t);
      const endpoint = await t
        .withToken(token)
        .post('/org/webhooks')
        .send({ url: `https://${rebinding}/in` })
        .expect(201);
      const secret: string = endpoint.body.secret;

      // A public answer: delivered, to the address the check allowed, signed.
      const first = await t.withToken(token).post('/org/api-keys').send({ name: 'first', role: 'member' }).expect(201);
      const firstEvent = await eventOf(t, token, 'api_key.created', first.body.id);
      const [sent] = await waitFor(
        async () => (network.sentFor(firstEvent).length > 0 ? network.sentFor(firstEvent) : undefined),
        () => `the delivery of ${firstEvent} (sent so far: ${network.sent.map((s) => s.headers['webhook-id']).join(', ')})`,
      );
      expect(sent.target.url.href).toBe(`https://${rebinding}/in`);
      expect(sent.target.addresses).toEqual(['93.184.216.34']);
      const payload = new Webhook(secret).verify(sent.body, { ...sent.headers }) as { type: string; data: Record<string, any> };
      expect(payload).toMatchObject({ type: 'api_key.created', data: { id: firstEvent, target: { id: first.body.id } } });
      await waitFor(
        async () =>
          (await deliveryLog(t, token, endpoint.body.id)).every((delivery) => delivery.status === 'delivered') ? true : undefined,
        () => 'every delivery so far to be delivered',
      );

      // The name now answers the metadata address: the next delivery looks it up again and is not sent.
      network.answers = { [rebinding]: ['169.254.169.254'] };
      const rebound = Date.now();
      const second = await t.withToken(token).post('/org/api-keys').send({ name: 'second', role: 'member' }).expect(201);
      const secondEvent = await eventOf(t, token, 'api_key.created', second.body.id);
      const refusedDelivery = await waitFor(
        async () => {
          const delivery = (await deliveryLog(t, token, endpoint.body.id)).find((item) => item.event_id === secondEvent);
          return delivery && delivery.attempts >= 2 ? delivery : undefined;
        },
        () => `two refused attempts of ${secondEvent}`,
      );
      expect(refusedDelivery).toMatchObject({
        event_type: 'api_key.created',
        status: 'pending',
        last_status_code: null,
        last_response: `Not sent: url must not point at link-local (and cloud metadata) (${rebinding} is 169.254.169.254)`,
      });
      expect(refusedDelivery.last_response.startsWith('Not sent')).toBe(true);
      // Each attempt looked the name up afresh, and none was sent.
      expect(network.resolved.filter((call) => call.hostname === rebinding && call.at >= rebound).length).toBeGreaterThanOrEqual(2);
      expect(network.sentFor(secondEvent)).toEqual([]);
      expect(network.sent.every((one) => one.target.addresses.every((address) => address === '93.184.216.34'))).toBe(true);
      await t.withToken(token).delete(`/org/webhooks/${endpoint.body.id}`).expect(204);
    });
  });

  describe('private targets allowed (WEBHOOK_ALLOW_PRIVATE_TARGETS=true), on 127.0.0.1 only', () => {
    const t = useTestApp(WEBHOOK_TEST_ENV);
    const receiver = useReceivers();

    it('accepts a 127.0.0.1 receiver (the switch works), never another scheme or credentials', async () => {
      const hooks = await receiver();
      const { token } = await createOrgWithToken(t);
      const endpoint = await t.withToken(token).post('/org/webhooks').send({ url: hooks.url }).expect(201);
      const [created] = await hooks.untilAccepted(1);
      expect(created.payload).toMatchObject({ type: 'webhook.created', data: { target: { id: endpoint.body.id } } });
      hooks.verifyAll(endpoint.body.secret);
      expectError(await t.withToken(token).post('/org/webhooks').send({ url: 'file:///etc/passwd' }), 400, /http or https/);
      expectError(await t.withToken(token).post('/org/webhooks').send({ url: 'ftp://127.0.0.1:1/' }), 400, /http or https/);
      expectError(await t.withToken(token).post('/org/webhooks').send({ url: 'http://u:p@127.0.0.1:1/' }), 400, /credentials/);
    });

    it('does not follow a redirect: the 302 is the answer, and its Location gets nothing', async () => {
      const elsewhere = await receiver();
      const redirecting = await receiver();
      const location = `${elsewhere.url}/stolen`;
      redirecting.answer = () => ({ status: 302, headers: { location }, body: 'moved' });
      const { token } = await createOrgWithToken(t);
      const endpoint = await t.withToken(token).post('/org/webhooks').send({ url: redirecting.url }).expect(201);
      const answered = await waitFor(
        async () => {
          const [delivery] = await deliveryLog(t, token, endpoint.body.id);
          return delivery && delivery.attempts >= 2 ? delivery : undefined;
        },
        () => 'two answered attempts',
      );
      expect(answered).toMatchObject({ event_type: 'webhook.created', status: 'pending', last_status_code: 302, last_response: 'moved' });
      // A client that followed would have POSTed there before the attempt's outcome was known.
      expect(redirecting.received.length).toBeGreaterThanOrEqual(2);
      expect(elsewhere.received).toEqual([]);
      await t.withToken(token).delete(`/org/webhooks/${endpoint.body.id}`).expect(204);
    });
  });
});
