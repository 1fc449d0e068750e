import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { expectError } from '../support/expect-error.js';
import { registeredRoutes } from '../support/routes.js';
import { VOLATILE_COLLECTIONS, withoutBackgroundChanges } from '../support/stored-data.js';
import {
  addMember,
  createTeam,
  type CreatedInvitation,
  invite,
  ROLES,
  type Role,
  type Team,
  uniqueEmail,
  uniquePassword,
} from '../support/members.js';
import { waitFor } from '../support/lifecycle-state.js';
import { useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/**
 * The role matrix for API keys, as test/members/roles.e2e-spec.ts is for people: every route the
 * server registers × a key of every role (viewer, member, admin; a key is never an owner), each
 * key created by the organization's owner. A key acts in its organization with its role on every
 * organization route: an allowed call answers its success status, a call below the route's least
 * role answers 403 `Requires role <role>` and changes nothing stored. Routes about a person's own
 * account answer 403 to every key and change nothing. The route walk fails on a route that is in
 * neither table, so a new route cannot be forgotten.
 */

type KeyRole = Exclude<Role, 'owner'>;
const KEY_ROLES: readonly KeyRole[] = ['viewer', 'member', 'admin'];
const rank = (role: Role) => ROLES.indexOf(role);

const PERSON_ONLY = "This route is for a person's own account; API keys cannot use it";
const OWNER_ROLE_KEY = 'An API key cannot have the owner role: choose viewer, member or admin';

type Snapshot = Record<string, unknown>;
type Doc = Record<string, any>;

interface CreatedKey {
  id: string;
  name: string;
  role: KeyRole;
  created_by: string;
  key: string;
}

interface Prepared {
  send: () => Promise<Response>;
  /** Checks of a successful answer, beyond its status. */
  check?: (res: Response, before: Snapshot, after: Snapshot) => void | Promise<void>;
}

interface OrganizationRoute {
  /** `METHOD /path` as the server registers it. */
  route: string;
  /** What this row does on the route (one route may have several rows: rename, owner targets, ...). */
  label: string;
  /** The route's least role: a key below it gets 403 `Requires role <least>` from the guard or the service. */
  least: Role;
  /** The action needs more than the route's least role: a key reaching `least` but below this gets 403 `message`. */
  beyond?: { role: Role | 'never'; message: string };
  /** Status of an allowed call. */
  status: number;
  /** Whether an allowed call changes what is stored. */
  mutates: boolean;
  prepare: (key: CreatedKey) => Promise<Prepared>;
}

interface AccountRoute {
  route: string;
  label: string;
  send: (key: CreatedKey) => Promise<Response>;
}

describe('role matrix: every route × an API key of every role (e2e)', () => {
  // Keys' last use is flushed on a timer (at most 60 s): not a change a call makes, and stripped from snapshots anyway.
  // Webhook rows point endpoints at 127.0.0.1:1, where nothing listens.
  const t = useTestApp({ API_KEY_USAGE_FLUSH_SECONDS: '60', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_POLL_MS: '50' });
  let team: Team;
  let keys: Record<KeyRole, CreatedKey>;
  let recordId: string;
  /** A second owner, the target of owner-only member changes (which every key must be refused). */
  let secondOwner: { id: string };
  /** A viewer whom keys try to make an owner. */
  let promotable: { id: string };
  /** A pending invitation of a new email, which keys try to accept. */
  let pending: CreatedInvitation;

  const ownerToken = () => team.byRole.owner.token;
  const orgId = () => team.org.org.id as string;
  const withKey = (key: CreatedKey) => t.withToken(key.key);

  /** Every master collection (API keys without their last use), and every tenant collection with its documents. */
  async function snapshot(): Promise<Snapshot> {
    const state: Snapshot = {};
    const master = await t.db.master.db!.listCollections({}, { nameOnly: true }).toArray();
    for (const { name } of master.sort((a, b) => a.name.localeCompare(b.name))) {
      if (VOLATILE_COLLECTIONS.has(name)) continue;
      const docs = withoutBackgroundChanges(name, await t.db.master.collection(name).find().sort({ _id: 1 }).toArray());
      state[`master.${name}`] = name === 'api_keys' ? docs.map(({ last_used_at: _used, ...rest }) => rest) : docs;
    }
    for (const name of await t.db.tenantCollections()) {
      state[`tenant.${name}`] = await t.db.tenant.collection(name).find().sort({ _id: 1 }).toArray();
    }
    return state;
  }

  const stored = (state: Snapshot, collection: string) => (state[`master.${collection}`] ?? []) as Doc[];
  const hasId = (docs: Doc[], id: string) => docs.some((doc) => String(doc._id) === id);
  const membershipIn = (state: Snapshot, accountId: string) =>
    stored(state, 'memberships').find((doc) => String(doc.org_id) === orgId() && String(doc.account_id) === accountId);
  const tenantRecords = (state: Snapshot) => {
    const org = stored(state, 'organizations').find((doc) => String(doc._id) === orgId());
    return (org ? (state[`tenant.${org.collection_name}`] ?? []) : []) as Doc[];
  };
  const currentName = async () =>
    (await t.db.master.collection('organizations').findOne({ _id: new Types.ObjectId(orgId()) }))!.name as string;

  async function createKey(token: string, role: Role, name = `${role} key`): Promise<CreatedKey> {
    const res = await t.withToken(token).post('/org/api-keys').send({ name, role });
    if (res.status !== 201) throw new Error(`create ${role} key: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as CreatedKey;
  }

  beforeAll(async () => {
    team = await createTeam(t);
    const created = await Promise.all(KEY_ROLES.map((role) => createKey(ownerToken(), role, `matrix ${role}`)));
    keys = { viewer: created[0], member: created[1], admin: created[2] };
    for (const role of KEY_ROLES) expect(keys[role]).toMatchObject({ role, created_by: team.byRole.owner.id });
    const [record, owner2, viewer, invitation] = await Promise.all([
      t.withToken(ownerToken()).post('/org/records').send({ note: 'shared' }).expect(201),
      addMember(t, ownerToken(), 'owner'),
      addMember(t, ownerToken(), 'viewer'),
      invite(t, ownerToken(), 'member'),
    ]);
    recordId = record.body.id;
    secondOwner = owner2;
    promotable = viewer;
    pending = invitation;
  });

  const simple = (send: (key: CreatedKey) => Promise<Response>, check?: Prepared['check']) => async (key: CreatedKey) => ({
    send: () => send(key),
    check,
  });

  /** A route that deletes a document the owner made for the row: allowed, it is gone; refused, it is still there. */
  const deleteRow = (route: string, collection: string, victim: (key: CreatedKey) => Promise<string>): OrganizationRoute => ({
    route,
    label: route,
    least: 'admin',
    status: 204,
    mutates: true,
    prepare: async (key) => {
      const id = await victim(key);
      return {
        send: () => withKey(key).delete(route.replace(/^DELETE /, '').replace(':id', id)),
        check: (_res, before, after) => {
          expect(hasId(stored(before, collection), id)).toBe(true);
          expect(hasId(stored(after, collection), id)).toBe(false);
        },
      };
    },
  });

  const organizationRoutes: OrganizationRoute[] = [
    {
      route: 'GET /org/collection/stats',
      label: 'GET /org/collection/stats',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/collection/stats'),
        (res) => expect(res.body.documents).toBeGreaterThanOrEqual(1),
      ),
    },
    {
      route: 'GET /org/records',
      label: 'GET /org/records',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/records?limit=100'),
        (res) => expect(res.body.items.map((item: { id: string }) => item.id)).toContain(recordId),
      ),
    },
    {
      route: 'GET /org/records/:id',
      label: 'GET /org/records/:id',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get(`/org/records/${recordId}`),
        (res) => expect(res.body.id).toBe(recordId),
      ),
    },
    {
      route: 'POST /org/records',
      label: 'POST /org/records',
      least: 'member',
      status: 201,
      mutates: true,
      prepare: async (key) => ({
        send: () =>
          withKey(key)
            .post('/org/records')
            .send({ note: `by ${key.role} key` }),
        check: (res, _before, after) => {
          expect(res.body.data).toEqual({ note: `by ${key.role} key` });
          expect(tenantRecords(after).find((doc) => String(doc._id) === res.body.id)?.data).toEqual({ note: `by ${key.role} key` });
        },
      }),
    },
    {
      route: 'PUT /org/records/:id',
      label: 'PUT /org/records/:id',
      least: 'member',
      status: 200,
      mutates: true,
      prepare: async (key) => ({
        send: () =>
          withKey(key)
            .put(`/org/records/${recordId}`)
            .send({ note: `replaced by ${key.role} key` }),
        check: (res, _before, after) => {
          expect(res.body.data).toEqual({ note: `replaced by ${key.role} key` });
          expect(tenantRecords(after).find((doc) => String(doc._id) === recordId)?.data).toEqual({ note: `replaced by ${key.role} key` });
        },
      }),
    },
    {
      route: 'DELETE /org/records/:id',
      label: 'DELETE /org/records/:id',
      least: 'member',
      status: 204,
      mutates: true,
      prepare: async (key) => {
        const record = await t.withToken(ownerToken()).post('/org/records').send({ note: 'to delete' }).expect(201);
        return {
          send: () => withKey(key).delete(`/org/records/${record.body.id}`),
          check: (_res, before, after) => {
            expect(hasId(tenantRecords(before), record.body.id)).toBe(true);
            expect(hasId(tenantRecords(after), record.body.id)).toBe(false);
          },
        };
      },
    },
    {
      route: 'POST /org/records/batch',
      label: 'POST /org/records/batch',
      least: 'member',
      status: 201,
      mutates: true,
      prepare: async (key) => ({
        send: () =>
          withKey(key)
            .post('/org/records/batch')
            .send({ records: [{ note: `batch by ${key.role} key` }] }),
        check: (res, _before, after) => {
          expect(res.body.items).toEqual([{ id: expect.any(String) }]);
          expect(tenantRecords(after).find((doc) => String(doc._id) === res.body.items[0].id)?.data).toEqual({
            note: `batch by ${key.role} key`,
          });
        },
      }),
    },
    {
      route: 'GET /org/records/indexes',
      label: 'GET /org/records/indexes',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/records/indexes'),
        (res) => expect(res.body.items).toEqual(expect.any(Array)),
      ),
    },
    {
      route: 'POST /org/records/indexes',
      label: 'POST /org/records/indexes',
      least: 'admin',
      status: 201,
      mutates: true,
      prepare: simple(
        (key) =>
          withKey(key)
            .post('/org/records/indexes')
            .send({ keys: { [`by_${key.role}`]: 1 } }),
        (res) =>
          expect(res.body).toEqual({ name: expect.stringMatching(/^by_/), keys: { [Object.keys(res.body.keys)[0]]: 1 }, unique: false }),
      ),
    },
    {
      route: 'DELETE /org/records/indexes/:name',
      label: 'DELETE /org/records/indexes/:name',
      least: 'admin',
      status: 204,
      mutates: true,
      prepare: async (key) => {
        const name = `drop_${key.role}_${Date.now()}`;
        await t
          .withToken(ownerToken())
          .post('/org/records/indexes')
          .send({ keys: { [name]: 1 } })
          .expect(201);
        return {
          send: () => withKey(key).delete(`/org/records/indexes/${name}_1`),
          check: async () => {
            const listed = await t.withToken(ownerToken()).get('/org/records/indexes').expect(200);
            expect(listed.body.items.map((index: { name: string }) => index.name)).not.toContain(`${name}_1`);
          },
        };
      },
    },
    {
      route: 'GET /org/export',
      label: 'GET /org/export',
      least: 'admin',
      status: 200,
      // Audited: records.exported.
      mutates: true,
      prepare: simple(
        (key) => withKey(key).get('/org/export').buffer(true),
        (res) => expect(res.text).toContain(recordId),
      ),
    },
    {
      route: 'POST /org/import',
      label: 'POST /org/import',
      least: 'admin',
      status: 200,
      mutates: true,
      prepare: async (key) => {
        const id = new Types.ObjectId().toHexString();
        return {
          send: () =>
            withKey(key)
              .post('/org/import')
              .set('content-type', 'application/x-ndjson')
              .send(JSON.stringify({ type: 'record', id, data: { note: `imported by ${key.role} key` } })),
          check: (res, _before, after) => {
            expect(res.body).toEqual({ imported: 1, replaced: 0, failed: [], failures_not_listed: 0 });
            expect(tenantRecords(after).find((doc) => String(doc._id) === id)?.data).toEqual({ note: `imported by ${key.role} key` });
          },
        };
      },
    },
    {
      route: 'PUT /org/update',
      label: 'PUT /org/update {organization_name} (rename)',
      least: 'admin',
      status: 200,
      mutates: true,
      prepare: async (key) => {
        const name = uniqueOrg('Renamed by key').organization_name;
        return {
          send: () => withKey(key).put('/org/update').send({ organization_name: name }),
          check: (res, before, after) => {
            expect(res.body.organization.organization_name).toBe(name);
            // A key has no account: no token comes back, and no account changed.
            expect(res.body.access_token).toBeNull();
            expect(res.body.current_collection).not.toBe(res.body.previous_collection);
            expect(stored(after, 'accounts')).toEqual(stored(before, 'accounts'));
            expect(stored(after, 'organizations').find((doc) => String(doc._id) === orgId())?.name).toBe(name);
            // Every document moved to the new collection; the old one is gone.
            expect(after[`tenant.${res.body.current_collection}`]).toEqual(before[`tenant.${res.body.previous_collection}`]);
            expect(after[`tenant.${res.body.previous_collection}`]).toBeUndefined();
          },
        };
      },
    },
    {
      route: 'DELETE /org/delete',
      label: 'DELETE /org/delete',
      least: 'owner',
      status: 200,
      mutates: true,
      prepare: async (key) => {
        const name = await currentName();
        return { send: () => withKey(key).delete('/org/delete').query({ organization_name: name }) };
      },
    },
    {
      route: 'GET /org/members',
      label: 'GET /org/members',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/members?limit=100'),
        (res) =>
          expect(res.body.items.map((item: { id: string }) => item.id)).toEqual(
            expect.arrayContaining(ROLES.map((role) => team.byRole[role].id)),
          ),
      ),
    },
    {
      // A key reaches the route's least role (no 403), but it is not a member: there is no membership to show.
      route: 'GET /org/members/me',
      label: 'GET /org/members/me (a key is no member: 404)',
      least: 'viewer',
      status: 404,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/members/me'),
        (res) => expectError(res, 404, 'Member not found'),
      ),
    },
    {
      route: 'PATCH /org/members/:id',
      label: 'PATCH /org/members/:id (viewer → member)',
      least: 'admin',
      status: 200,
      mutates: true,
      prepare: async (key) => {
        const target = await addMember(t, ownerToken(), 'viewer');
        return {
          send: () => withKey(key).patch(`/org/members/${target.id}`).send({ role: 'member' }),
          check: (res, before, after) => {
            expect(res.body).toMatchObject({ id: target.id, role: 'member' });
            expect(membershipIn(before, target.id)?.role).toBe('viewer');
            expect(membershipIn(after, target.id)?.role).toBe('member');
          },
        };
      },
    },
    {
      route: 'PATCH /org/members/:id',
      label: 'PATCH /org/members/:id (member → admin)',
      least: 'admin',
      status: 200,
      mutates: true,
      prepare: async (key) => {
        const target = await addMember(t, ownerToken(), 'member');
        return {
          send: () => withKey(key).patch(`/org/members/${target.id}`).send({ role: 'admin' }),
          check: (res, _before, after) => {
            expect(res.body).toMatchObject({ id: target.id, role: 'admin' });
            expect(membershipIn(after, target.id)?.role).toBe('admin');
          },
        };
      },
    },
    {
      route: 'PATCH /org/members/:id',
      label: 'PATCH /org/members/:id (granting owner)',
      least: 'admin',
      beyond: { role: 'owner', message: 'Requires role owner' },
      status: 200,
      mutates: true,
      prepare: simple((key) => withKey(key).patch(`/org/members/${promotable.id}`).send({ role: 'owner' })),
    },
    {
      route: 'PATCH /org/members/:id',
      label: 'PATCH /org/members/:id (an owner → admin)',
      least: 'admin',
      beyond: { role: 'owner', message: 'Requires role owner' },
      status: 200,
      mutates: true,
      prepare: simple((key) => withKey(key).patch(`/org/members/${secondOwner.id}`).send({ role: 'admin' })),
    },
    {
      route: 'DELETE /org/members/:id',
      label: 'DELETE /org/members/:id (a viewer)',
      least: 'admin',
      status: 204,
      mutates: true,
      prepare: async (key) => {
        const target = await addMember(t, ownerToken(), 'viewer');
        return {
          send: () => withKey(key).delete(`/org/members/${target.id}`),
          check: (_res, before, after) => {
            // The membership is gone; the account stays, unchanged.
            expect(membershipIn(before, target.id)).toBeDefined();
            expect(membershipIn(after, target.id)).toBeUndefined();
            const account = (state: Snapshot) => stored(state, 'accounts').find((doc) => String(doc._id) === target.id);
            expect(account(before)).toBeDefined();
            expect(account(after)).toEqual(account(before));
          },
        };
      },
    },
    {
      route: 'DELETE /org/members/:id',
      label: 'DELETE /org/members/:id (an owner)',
      least: 'admin',
      beyond: { role: 'owner', message: 'Requires role owner' },
      status: 204,
      mutates: true,
      prepare: simple((key) => withKey(key).delete(`/org/members/${secondOwner.id}`)),
    },
    {
      route: 'POST /org/invitations',
      label: 'POST /org/invitations (role member)',
      least: 'admin',
      status: 201,
      mutates: true,
      prepare: async (key) => {
        const email = uniqueEmail(`by-${key.role}-key`);
        return {
          send: () => withKey(key).post('/org/invitations').send({ email, role: 'member' }),
          check: (res, _before, after) => {
            expect(res.body).toMatchObject({ email, role: 'member', invited_by: key.id, invitation_token: expect.any(String) });
            expect(hasId(stored(after, 'invitations'), res.body.id)).toBe(true);
          },
        };
      },
    },
    {
      route: 'POST /org/invitations',
      label: 'POST /org/invitations (role admin)',
      least: 'admin',
      status: 201,
      mutates: true,
      prepare: async (key) => {
        const email = uniqueEmail(`admin-by-${key.role}-key`);
        return {
          send: () => withKey(key).post('/org/invitations').send({ email, role: 'admin' }),
          check: (res) => expect(res.body).toMatchObject({ email, role: 'admin', invited_by: key.id }),
        };
      },
    },
    {
      route: 'POST /org/invitations',
      label: 'POST /org/invitations (role owner)',
      least: 'admin',
      beyond: { role: 'owner', message: 'Requires role owner' },
      status: 201,
      mutates: true,
      prepare: async (key) => {
        const email = uniqueEmail(`owner-by-${key.role}-key`);
        return { send: () => withKey(key).post('/org/invitations').send({ email, role: 'owner' }) };
      },
    },
    {
      route: 'GET /org/invitations',
      label: 'GET /org/invitations',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/invitations?limit=100'),
        (res) => expect(res.body.items.map((item: { id: string }) => item.id)).toContain(pending.id),
      ),
    },
    deleteRow('DELETE /org/invitations/:id', 'invitations', async () => (await invite(t, ownerToken(), 'viewer')).id),
    {
      route: 'GET /org/audit',
      label: 'GET /org/audit',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/audit?limit=100'),
        (res) => expect(res.body.items.length).toBeGreaterThan(0),
      ),
    },
    {
      route: 'POST /org/api-keys',
      label: 'POST /org/api-keys (role viewer)',
      least: 'admin',
      status: 201,
      mutates: true,
      prepare: simple(
        (key) => withKey(key).post('/org/api-keys').send({ name: 'made by a key', role: 'viewer' }),
        (res, _before, after) => {
          expect(res.body).toMatchObject({ role: 'viewer', key: expect.stringMatching(/^oms_/) });
          expect(hasId(stored(after, 'api_keys'), res.body.id)).toBe(true);
        },
      ),
    },
    {
      route: 'POST /org/api-keys',
      label: 'POST /org/api-keys (role admin: up to its own)',
      least: 'admin',
      status: 201,
      mutates: true,
      prepare: async (key) => ({
        send: () => withKey(key).post('/org/api-keys').send({ name: 'admin made by a key', role: 'admin' }),
        check: (res, _before, after) => {
          expect(res.body).toMatchObject({ role: 'admin', created_by: key.id });
          expect(stored(after, 'api_keys').find((doc) => String(doc._id) === res.body.id)).toMatchObject({ role: 'admin' });
        },
      }),
    },
    {
      route: 'POST /org/api-keys',
      label: 'POST /org/api-keys (role owner: never)',
      least: 'admin',
      beyond: { role: 'never', message: OWNER_ROLE_KEY },
      status: 201,
      mutates: true,
      prepare: simple((key) => withKey(key).post('/org/api-keys').send({ name: 'root', role: 'owner' })),
    },
    {
      route: 'GET /org/api-keys',
      label: 'GET /org/api-keys',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/api-keys?limit=100'),
        (res) => {
          expect(res.body.items.map((item: { id: string }) => item.id)).toEqual(
            expect.arrayContaining(KEY_ROLES.map((role) => keys[role].id)),
          );
          expect(JSON.stringify(res.body)).not.toContain('oms_');
        },
      ),
    },
    deleteRow('DELETE /org/api-keys/:id', 'api_keys', async () => (await createKey(ownerToken(), 'viewer', 'to revoke')).id),
  ];

  const createEndpoint = async (path: string) =>
    (
      await t
        .withToken(ownerToken())
        .post('/org/webhooks')
        .send({ url: `http://127.0.0.1:1/${path}` })
        .expect(201)
    ).body as { id: string };
  organizationRoutes.push(
    {
      route: 'POST /org/webhooks',
      label: 'POST /org/webhooks',
      least: 'admin',
      status: 201,
      mutates: true,
      prepare: simple(
        (key) =>
          withKey(key)
            .post('/org/webhooks')
            .send({ url: `http://127.0.0.1:1/by-${key.role}` }),
        (res, _before, after) => {
          expect(res.body.secret).toMatch(/^whsec_/);
          expect(hasId(stored(after, 'webhook_endpoints'), res.body.id)).toBe(true);
        },
      ),
    },
    {
      route: 'GET /org/webhooks',
      label: 'GET /org/webhooks',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: simple(
        (key) => withKey(key).get('/org/webhooks'),
        (res) => expect(JSON.stringify(res.body)).not.toContain('whsec_'),
      ),
    },
    deleteRow('DELETE /org/webhooks/:id', 'webhook_endpoints', async (key) => (await createEndpoint(`delete-${key.role}`)).id),
    {
      route: 'GET /org/webhooks/:id/deliveries',
      label: 'GET /org/webhooks/:id/deliveries',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: async (key) => {
        const endpoint = await createEndpoint(`log-${key.role}`);
        return { send: () => withKey(key).get(`/org/webhooks/${endpoint.id}/deliveries`) };
      },
    },
    {
      route: 'POST /org/webhooks/:id/deliveries/:event_id/retry',
      label: 'POST /org/webhooks/:id/deliveries/:event_id/retry',
      least: 'admin',
      status: 202,
      // It makes a delivery due again: the deliveries are background state (see stored-data.ts).
      mutates: false,
      prepare: async (key) => {
        const endpoint = await createEndpoint(`retry-${key.role}`);
        // The endpoint's own creation is its first event.
        const [delivery] = await waitFor(
          async () => {
            const log = await t.withToken(ownerToken()).get(`/org/webhooks/${endpoint.id}/deliveries`).expect(200);
            return log.body.items.length > 0 ? (log.body.items as { event_id: string }[]) : undefined;
          },
          () => `a delivery to ${endpoint.id}`,
        );
        return { send: () => withKey(key).post(`/org/webhooks/${endpoint.id}/deliveries/${delivery.event_id}/retry`) };
      },
    },
  );

  const strongPassword = uniquePassword();
  const accountRoutes: AccountRoute[] = [
    { route: 'GET /me', label: 'GET /me', send: (key) => withKey(key).get('/me') },
    { route: 'PATCH /me', label: 'PATCH /me {password}', send: (key) => withKey(key).patch('/me').send({ password: strongPassword }) },
    {
      route: 'PATCH /me',
      label: 'PATCH /me {email}',
      send: (key) =>
        withKey(key)
          .patch('/me')
          .send({ email: uniqueEmail('key-me') }),
    },
    { route: 'DELETE /me', label: 'DELETE /me', send: (key) => withKey(key).delete('/me') },
    { route: 'GET /me/organizations', label: 'GET /me/organizations', send: (key) => withKey(key).get('/me/organizations') },
    {
      route: 'POST /admin/switch',
      label: 'POST /admin/switch',
      send: (key) => withKey(key).post('/admin/switch').send({ organization_id: orgId() }),
    },
    { route: 'POST /admin/logout', label: 'POST /admin/logout', send: (key) => withKey(key).post('/admin/logout') },
    { route: 'POST /admin/logout/all', label: 'POST /admin/logout/all', send: (key) => withKey(key).post('/admin/logout/all') },
    {
      route: 'PUT /org/update',
      label: 'PUT /org/update {password}',
      send: (key) => withKey(key).put('/org/update').send({ password: strongPassword }),
    },
    {
      route: 'PUT /org/update',
      label: 'PUT /org/update {email}',
      send: (key) =>
        withKey(key)
          .put('/org/update')
          .send({ email: uniqueEmail('key-update') }),
    },
    {
      // A rename an admin key may make alone: with credentials, nothing happens (no partial rename).
      route: 'PUT /org/update',
      label: 'PUT /org/update {organization_name, password}',
      send: (key) =>
        withKey(key)
          .put('/org/update')
          .send({ organization_name: uniqueOrg('Half renamed').organization_name, password: strongPassword }),
    },
    {
      route: 'POST /org/create',
      label: 'POST /org/create {organization_name}',
      send: (key) =>
        withKey(key)
          .post('/org/create')
          .send({ organization_name: uniqueOrg('By key').organization_name }),
    },
    {
      route: 'POST /org/create',
      label: 'POST /org/create {organization_name, email, password}',
      send: (key) => withKey(key).post('/org/create').send(uniqueOrg('By key with owner')),
    },
    {
      route: 'POST /invitations/accept',
      label: 'POST /invitations/accept {invitation_token, password}',
      send: (key) =>
        withKey(key).post('/invitations/accept').send({ invitation_token: pending.invitation_token, password: strongPassword }),
    },
    {
      route: 'POST /invitations/accept',
      label: 'POST /invitations/accept {invitation_token}',
      send: (key) => withKey(key).post('/invitations/accept').send({ invitation_token: pending.invitation_token }),
    },
  ];

  /** Operator routes take an operator key and nothing else: an organization's key is 401 there. */
  const someOrgId = () => orgId();
  const operatorRoutes: AccountRoute[] = [
    { route: 'GET /org/list', label: 'GET /org/list', send: (key) => withKey(key).get('/org/list') },
    {
      route: 'GET /platform/organizations',
      label: 'GET /platform/organizations',
      send: (key) => withKey(key).get('/platform/organizations'),
    },
    {
      route: 'GET /platform/organizations/:id',
      label: 'GET /platform/organizations/:id',
      send: (key) => withKey(key).get(`/platform/organizations/${someOrgId()}`),
    },
    {
      route: 'POST /platform/organizations/:id/suspend',
      label: 'POST /platform/organizations/:id/suspend',
      send: (key) => withKey(key).post(`/platform/organizations/${someOrgId()}/suspend`),
    },
    {
      route: 'POST /platform/organizations/:id/resume',
      label: 'POST /platform/organizations/:id/resume',
      send: (key) => withKey(key).post(`/platform/organizations/${someOrgId()}/resume`),
    },
    {
      route: 'DELETE /platform/organizations/:id',
      label: 'DELETE /platform/organizations/:id',
      send: (key) => withKey(key).delete(`/platform/organizations/${someOrgId()}`),
    },
    {
      route: 'POST /platform/organizations/:id/placement',
      label: 'POST /platform/organizations/:id/placement',
      send: (key) => withKey(key).post(`/platform/organizations/${someOrgId()}/placement`).send({ mode: 'shared' }),
    },
    {
      route: 'GET /platform/moves/:id',
      label: 'GET /platform/moves/:id',
      send: (key) => withKey(key).get(`/platform/moves/${someOrgId()}`),
    },
    { route: 'GET /platform/clusters', label: 'GET /platform/clusters', send: (key) => withKey(key).get('/platform/clusters') },
    {
      route: 'PUT /platform/organizations/:id/quota',
      label: 'PUT /platform/organizations/:id/quota',
      send: (key) => withKey(key).put(`/platform/organizations/${someOrgId()}/quota`).send({}),
    },
    { route: 'GET /platform/webhooks', label: 'GET /platform/webhooks', send: (key) => withKey(key).get('/platform/webhooks') },
    {
      route: 'POST /platform/webhooks',
      label: 'POST /platform/webhooks',
      send: (key) => withKey(key).post('/platform/webhooks').send({ url: 'http://127.0.0.1:1/platform' }),
    },
    {
      route: 'DELETE /platform/webhooks/:id',
      label: 'DELETE /platform/webhooks/:id',
      send: (key) => withKey(key).delete(`/platform/webhooks/${someOrgId()}`),
    },
    {
      route: 'GET /platform/webhooks/:id/deliveries',
      label: 'GET /platform/webhooks/:id/deliveries',
      send: (key) => withKey(key).get(`/platform/webhooks/${someOrgId()}/deliveries`),
    },
    {
      route: 'POST /platform/webhooks/:id/deliveries/:event_id/retry',
      label: 'POST /platform/webhooks/:id/deliveries/:event_id/retry',
      send: (key) => withKey(key).post(`/platform/webhooks/${someOrgId()}/deliveries/${someOrgId()}/retry`),
    },
  ];

  describe('the tables cover every route', () => {
    it('names every protected route, and every public route that takes a token, in a table', () => {
      const routes = registeredRoutes(t.app);
      const tabled = new Set([...organizationRoutes, ...accountRoutes, ...operatorRoutes].map((row) => row.route));
      const mustBeTabled = routes
        .filter(({ access }) => access?.kind !== 'public' || access.acceptsAccountToken)
        .map(({ route }) => route)
        .sort();
      expect(mustBeTabled.length).toBeGreaterThan(20);
      expect(mustBeTabled.filter((route) => !tabled.has(route))).toEqual([]);
      // And no row names a route the server does not have (a typo would test nothing).
      const registered = new Set(routes.map(({ route }) => route));
      expect([...tabled].filter((route) => !registered.has(route))).toEqual([]);
    });

    it('has an account row for every account route and a row of its own for every organization route', () => {
      const routes = registeredRoutes(t.app);
      const accountRows = new Set(accountRoutes.map((row) => row.route));
      const organizationRows = new Set(organizationRoutes.map((row) => row.route));
      const operatorRows = new Set(operatorRoutes.map((row) => row.route));
      for (const { route, access } of routes) {
        if (access?.kind === 'operator') {
          expect({ route, inOperatorRows: operatorRows.has(route) }).toEqual({ route, inOperatorRows: true });
        } else if (access?.kind === 'account' || (access?.kind === 'public' && access.acceptsAccountToken)) {
          expect({ route, inAccountRows: accountRows.has(route) }).toEqual({ route, inAccountRows: true });
        } else if (access?.kind !== 'public') {
          // Organization routes (and routes without an access decorator, which default to one).
          expect({ route, inOrganizationRows: organizationRows.has(route) }).toEqual({ route, inOrganizationRows: true });
        }
      }
    });
  });

  describe('organization routes', () => {
    const cases = organizationRoutes.flatMap((row) =>
      KEY_ROLES.map((role) => {
        const below = rank(role) < rank(row.least);
        const beyond = !below && row.beyond && (row.beyond.role === 'never' || rank(role) < rank(row.beyond.role));
        const refusal = below ? `Requires role ${row.least}` : beyond ? row.beyond!.message : undefined;
        return { ...row, role, refusal, expected: refusal ? `403 ${refusal}` : String(row.status) };
      }),
    );

    it.each(cases)('$label, $role key: $expected', async ({ role, refusal, status, mutates, prepare }) => {
      const key = keys[role];
      const prepared = await prepare(key);
      const before = await snapshot();
      const res = await prepared.send();
      const after = await snapshot();
      if (refusal) {
        expectError(res, 403, refusal);
        expect(after).toEqual(before);
        return;
      }
      expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });
      if (mutates) expect(after).not.toEqual(before);
      else expect(after).toEqual(before);
      // What the key changed is recorded in its name.
      const added = stored(after, 'audit_events').filter((event) => !hasId(stored(before, 'audit_events'), String(event._id)));
      for (const event of added) expect(event.actor).toMatchObject({ type: 'api_key', id: key.id, name: key.name });
      await prepared.check?.(res, before, after);
    });
  });

  describe('account routes', () => {
    const cases = accountRoutes.flatMap((row) => KEY_ROLES.map((role) => ({ ...row, role })));

    it.each(cases)('$label, $role key: 403, nothing changed', async ({ role, send }) => {
      const before = await snapshot();
      const res = await send(keys[role]);
      const after = await snapshot();
      expectError(res, 403, PERSON_ONLY);
      expect(after).toEqual(before);
    });
  });

  describe('operator routes', () => {
    const cases = operatorRoutes.flatMap((row) => KEY_ROLES.map((role) => ({ ...row, role })));

    it.each(cases)('$label, $role key: 401, nothing changed', async ({ send, role }) => {
      const before = await snapshot();
      const res = await send(keys[role]);
      const after = await snapshot();
      expectError(res, 401);
      expect(after).toEqual(before);
    });
  });

  it('after the matrix the organization, its owners and every key are still there and working', async () => {
    const members = await t.withToken(ownerToken()).get('/org/members?limit=100').expect(200);
    const roleOf = (id: string) => members.body.items.find((item: { id: string }) => item.id === id)?.role;
    expect(roleOf(team.byRole.owner.id)).toBe('owner');
    expect(roleOf(secondOwner.id)).toBe('owner');
    expect(roleOf(promotable.id)).toBe('viewer');
    for (const role of KEY_ROLES) await withKey(keys[role]).get('/org/collection/stats').expect(200);
    const listed = await t.withToken(ownerToken()).get('/org/api-keys?limit=100').expect(200);
    for (const role of KEY_ROLES) {
      expect(listed.body.items.find((item: { id: string }) => item.id === keys[role].id)).toMatchObject({ role });
    }
  });
});
