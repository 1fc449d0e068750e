import { Types } from 'mongoose';
import { timeOrderedObjectId } from '../../src/common/database/object-id.js';
import { AppConfig } from '../../src/config/app-config.js';
import { DirectDatabases, openDatabases } from '../support/direct-db.js';
import { FetchClient, fetchClient } from '../support/fetch-client.js';
import { waitFor } from '../support/lifecycle-state.js';
import { ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { createOrgWithTokenVia, type OrgWithToken, type ServiceSession, useServiceProcess } from '../support/session.js';
import { dropDatabases, TEST_OPERATOR_KEY, testEnvironment } from '../support/test-app.js';
import { WEBHOOK_TEST_ENV, WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * At least once, nothing lost, never twice at once (SPEC "Events and webhooks"), with the built
 * service: killed while deliveries are in flight, two instances delivering from one database, and
 * the crash window between an audit event and its outbox event (in the first test).
 */

interface Endpoint {
  id: string;
  secret: string;
}

/** The organization's audit event ids, oldest first (GET /org/audit is newest first). */
async function auditIds(api: FetchClient, token: string): Promise<{ id: string; action: string }[]> {
  const events: { id: string; action: string }[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.request('GET', `/org/audit?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(page.status).toBe(200);
    events.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor);
  return events.reverse();
}

/** The events an org endpoint receives: its own `webhook.created` and everything after it. */
function fromEndpointOn(logged: { id: string; action: string }[]): string[] {
  return logged.slice(logged.findIndex((event) => event.action === 'webhook.created')).map((event) => event.id);
}

async function orgEndpoint(api: FetchClient, token: string, url: string): Promise<Endpoint> {
  const created = await api.request('POST', '/org/webhooks', { token, body: { url } });
  expect(created.status).toBe(201);
  return { id: created.body.id, secret: created.body.secret };
}

async function platformEndpoint(api: FetchClient, url: string): Promise<Endpoint> {
  const created = await api.request('POST', '/platform/webhooks', { token: TEST_OPERATOR_KEY, body: { url } });
  expect(created.status).toBe(201);
  return { id: created.body.id, secret: created.body.secret };
}

async function createKey(api: FetchClient, token: string, name: string): Promise<void> {
  const created = await api.request('POST', '/org/api-keys', { token, body: { name, role: 'member' } });
  expect(created.status).toBe(201);
}

async function kill(service: ServiceProcess): Promise<void> {
  service.child.kill('SIGKILL');
  expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

const ids = (items: { id: string }[]) => items.map((one) => one.id);

/** A service process of the test's own on databases of its own, for tests that kill and restart it. */
function useCrashableService() {
  const env = testEnvironment({ ...WEBHOOK_TEST_ENV, LOG_LEVEL: 'warn' });
  const config = AppConfig.fromEnvironment(env);
  const state: { db?: DirectDatabases; service?: ServiceProcess; receivers: WebhookReceiver[] } = { receivers: [] };
  beforeAll(async () => {
    state.db = await openDatabases(config);
  });
  afterAll(async () => {
    await state.service?.stop();
    for (const receiver of state.receivers) await receiver.stop();
    await state.db?.close();
    await dropDatabases(config);
  });
  return {
    get db() {
      return state.db!;
    },
    get api() {
      return fetchClient(state.service!.baseUrl);
    },
    get service() {
      return state.service!;
    },
    start: async () => {
      state.service = await startServiceProcess(env);
    },
    receiver: async () => {
      const receiver = await WebhookReceiver.start();
      state.receivers.push(receiver);
      return receiver;
    },
  };
}

describe('webhooks: crashes and several instances (built service)', () => {
  describe('killed while deliveries are in flight, and between an audit event and its outbox event', () => {
    const t = useCrashableService();

    it('the restarted instance delivers every event, the interrupted ones again and the orphaned audit event, none lost', async () => {
      await t.start();
      const slow = () => ({ status: 204, delayMs: 1500 });
      const platformHooks = await t.receiver();
      platformHooks.answer = slow;
      const platform = await platformEndpoint(t.api, platformHooks.url);
      const orgs: { owner: OrgWithToken; receiver: WebhookReceiver; endpoint: Endpoint }[] = [];
      for (let n = 0; n < 4; n += 1) {
        const owner = await createOrgWithTokenVia(t.api);
        const receiver = await t.receiver();
        receiver.answer = slow;
        orgs.push({ owner, receiver, endpoint: await orgEndpoint(t.api, owner.token, receiver.url) });
      }
      // 20 events, round robin over the organizations: four lanes per endpoint, each answered after 1.5 s.
      for (let n = 0; n < 5; n += 1) {
        for (const { owner } of orgs) await createKey(t.api, owner.token, `key-${n}`);
      }
      const receivers = [platformHooks, ...orgs.map(({ receiver }) => receiver)];
      const unanswered = () =>
        receivers.flatMap((receiver) => receiver.received.filter((received) => Date.now() - received.at < 1000 && !received.acceptedWith));
      await waitFor(
        async () => (unanswered().length >= 3 ? true : undefined),
        () => `three POSTs in flight (have ${unanswered().length})`,
        20_000,
      );
      const interrupted = ids(unanswered());

      // What AuditLogService.record's first insert leaves when the process dies before its second.
      const [first] = orgs;
      const audit = t.db.master.collection('audit_events');
      const model = await audit.findOne({ org_id: new Types.ObjectId(first.owner.org.id as string), action: 'api_key.created' });
      expect(model).not.toBeNull();
      const at = new Date();
      const orphan = timeOrderedObjectId(at.getTime()).toHexString();
      await audit.insertOne({
        ...model!,
        _id: new Types.ObjectId(orphan),
        key: orphan,
        at,
        target: { type: 'api_key', id: new Types.ObjectId().toHexString() },
        request_id: 'crashed-request',
      });
      await kill(t.service);
      const outbox = t.db.master.collection('outbox_events');
      expect(await outbox.countDocuments({ _id: orphan } as never)).toBe(0);
      for (const receiver of receivers) receiver.answer = () => ({ status: 204, delayMs: 200 });

      await t.start();
      // The dead instance's leases keep its deliveries (20 s) and the fan-out (up to 30 s) until they expire.
      const logged: string[] = [];
      for (const { owner, receiver, endpoint } of orgs) {
        const ofOrg = await auditIds(t.api, owner.token);
        logged.push(...ofOrg.map((event) => event.id));
        const expected = fromEndpointOn(ofOrg);
        expect(expected).toHaveLength(owner === first.owner ? 7 : 6);
        await receiver.untilAccepted(expected.length, 45_000);
        expect(ids(receiver.accepted())).toEqual(expected);
        expect(new Set(ids(receiver.received))).toEqual(new Set(expected));
        receiver.verifyAll(endpoint.secret);
        expect(receiver.maxConcurrentPerId).toBe(1);
      }
      expect(logged).toContain(orphan);
      await platformHooks.untilAccepted(logged.length, 20_000);
      expect(new Set(ids(platformHooks.accepted()))).toEqual(new Set(logged));
      expect(new Set(ids(platformHooks.received))).toEqual(new Set(logged));
      platformHooks.verifyAll(platform.secret);
      expect(platformHooks.maxConcurrentPerId).toBe(1);

      // Those cut off by the kill were sent again (at least once), by the new instance.
      const all = receivers.flatMap((receiver) => receiver.received);
      for (const id of interrupted) expect(all.filter((received) => received.id === id).length).toBeGreaterThanOrEqual(2);
      // The repair stored the orphan's event; both endpoints got it as the service would have sent it.
      expect(await outbox.countDocuments({ _id: orphan } as never)).toBe(1);
      for (const receiver of [first.receiver, platformHooks]) {
        expect(receiver.accepted().find((received) => received.id === orphan)?.payload).toMatchObject({
          type: 'api_key.created',
          data: { id: orphan, organization_id: first.owner.org.id, request_id: 'crashed-request' },
        });
      }
    }, 90_000);
  });

  describe('two instances on one database', () => {
    const a = useServiceProcess({ ...WEBHOOK_TEST_ENV });
    const b = useServiceProcess({ ...WEBHOOK_TEST_ENV }, { onDatabasesOf: a });
    const receivers: WebhookReceiver[] = [];
    afterAll(async () => {
      for (const receiver of receivers) await receiver.stop();
    });

    it('deliver every event to each endpoint once, never twice at once, in the audit log’s order', async () => {
      const started = async () => {
        const receiver = await WebhookReceiver.start();
        receiver.answer = () => ({ status: 204, delayMs: 200 });
        receivers.push(receiver);
        return receiver;
      };
      const platformHooks = await started();
      const platform = await platformEndpoint(a.api, platformHooks.url);
      const instances: ServiceSession[] = [a, b];
      const orgs: { owner: OrgWithToken; receiver: WebhookReceiver; endpoint: Endpoint }[] = [];
      for (const [n, instance] of instances.entries()) {
        const owner = await createOrgWithTokenVia(instance.api);
        const receiver = await started();
        orgs.push({ owner, receiver, endpoint: await orgEndpoint(instances[1 - n].api, owner.token, receiver.url) });
      }
      // 40 events, through both instances in turn, for both organizations in turn.
      for (let n = 0; n < 40; n += 1) {
        const { owner } = orgs[n % 2];
        await createKey(instances[Math.floor(n / 2) % 2].api, owner.token, `key-${n}`);
      }

      for (const { owner, receiver, endpoint } of orgs) {
        const logged = await auditIds(a.api, owner.token);
        const expected = fromEndpointOn(logged);
        expect(expected).toHaveLength(21);
        await receiver.untilAccepted(expected.length, 30_000);
        expect(ids(receiver.accepted())).toEqual(expected);
        receiver.verifyAll(endpoint.secret);
        expect(receiver.maxConcurrentPerId).toBe(1);
        expect(ids(receiver.received)).toEqual(expected);
      }
      const loggedByOrg = await Promise.all(orgs.map(async ({ owner }) => ids(await auditIds(a.api, owner.token))));
      await platformHooks.untilAccepted(loggedByOrg.flat().length, 30_000);
      for (const [n, { owner }] of orgs.entries()) {
        const ofOrg = platformHooks.accepted().filter((received) => received.payload.data.organization_id === owner.org.id);
        expect(ids(ofOrg)).toEqual(loggedByOrg[n]);
      }
      platformHooks.verifyAll(platform.secret);
      expect(platformHooks.maxConcurrentPerId).toBe(1);
      expect(platformHooks.received).toHaveLength(loggedByOrg.flat().length);
    }, 60_000);
  });
});
