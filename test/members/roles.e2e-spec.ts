import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { expectError } from '../support/expect-error.js';
import { addMember, createTeam, invite, ROLES, type Role, type Team, uniquePassword } from '../support/members.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const MASTER_COLLECTIONS = [
  'organizations',
  'accounts',
  'memberships',
  'invitations',
  'audit_events',
  'unique_claims',
  'transition_tickets',
];

const rank = (role: Role) => ROLES.indexOf(role);

interface Prepared {
  /** The organization whose stored state the case may change. */
  orgId: string;
  send: () => Promise<Response>;
  /** Checks of a successful answer, beyond its status. */
  check?: (res: Response, before: Snapshot, after: Snapshot) => void;
}

interface Route {
  label: string;
  least: Role;
  /** Status of an allowed call. */
  status: number;
  /** Whether an allowed call changes what is stored. */
  mutates: boolean;
  prepare: (caller: Role) => Promise<Prepared>;
}

type Snapshot = Record<string, unknown>;

describe('role matrix: every protected route × every role (e2e)', () => {
  const t = useTestApp();
  let team: Team;
  let recordId: string;

  const tokenOf = (role: Role) => team.byRole[role].token;
  const orgId = () => team.org.org.id as string;

  /** Everything stored in the master database, and the organization's tenant collection. */
  async function snapshot(id: string): Promise<Snapshot> {
    const state: Snapshot = {};
    for (const name of MASTER_COLLECTIONS) {
      state[name] = await t.db.master.collection(name).find().sort({ _id: 1 }).toArray();
    }
    const org = await t.db.master.collection('organizations').findOne({ _id: new Types.ObjectId(id) });
    state.tenantCollections = await t.db.tenantCollections();
    state.records = org
      ? await t.db.tenant
          .collection(org.collection_name as string)
          .find()
          .sort({ _id: 1 })
          .toArray()
      : null;
    return state;
  }

  const stored = (state: Snapshot, collection: string) => state[collection] as Record<string, any>[];
  /** The stored membership of the account in the organization, or undefined. */
  const membershipIn = (state: Snapshot, org: string, accountId: string) =>
    stored(state, 'memberships').find((doc) => doc.org_id.toHexString() === org && doc.account_id.toHexString() === accountId);

  beforeAll(async () => {
    team = await createTeam(t);
    const record = await t.withToken(tokenOf('owner')).post('/org/records').send({ note: 'shared' }).expect(201);
    recordId = record.body.id;
  });

  const onTeam = (caller: Role, send: (token: string) => Promise<Response>, check?: Prepared['check']): Prepared => ({
    orgId: orgId(),
    send: () => send(tokenOf(caller)),
    check,
  });

  const routes: Route[] = [
    {
      label: 'GET /org/collection/stats',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) => t.withToken(token).get('/org/collection/stats'),
          (res) => expect(res.body.documents).toBeGreaterThanOrEqual(1),
        ),
    },
    {
      label: 'GET /org/records',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) => t.withToken(token).get('/org/records'),
          (res) => expect(res.body.items.map((item: { id: string }) => item.id)).toContain(recordId),
        ),
    },
    {
      label: 'POST /org/records',
      least: 'member',
      status: 201,
      mutates: true,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) =>
            t
              .withToken(token)
              .post('/org/records')
              .send({ note: `by ${caller}` }),
          (res, _before, after) =>
            expect((after.records as Record<string, any>[]).some((doc) => doc._id.toHexString() === res.body.id)).toBe(true),
        ),
    },
    {
      label: 'GET /org/records/:id',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) => t.withToken(token).get(`/org/records/${recordId}`),
          (res) => expect(res.body.id).toBe(recordId),
        ),
    },
    {
      label: 'PUT /org/records/:id',
      least: 'member',
      status: 200,
      mutates: true,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) =>
            t
              .withToken(token)
              .put(`/org/records/${recordId}`)
              .send({ note: `replaced by ${caller}` }),
          (res) => expect(res.body.data).toEqual({ note: `replaced by ${caller}` }),
        ),
    },
    {
      label: 'DELETE /org/records/:id',
      least: 'member',
      status: 204,
      mutates: true,
      prepare: async (caller) => {
        const record = await t.withToken(tokenOf('owner')).post('/org/records').send({ note: 'to delete' }).expect(201);
        return onTeam(
          caller,
          (token) => t.withToken(token).delete(`/org/records/${record.body.id}`),
          (_res, _before, after) =>
            expect((after.records as Record<string, any>[]).some((doc) => doc._id.toHexString() === record.body.id)).toBe(false),
        );
      },
    },
    {
      label: 'PUT /org/update (rename)',
      least: 'admin',
      status: 200,
      mutates: true,
      prepare: async (caller) => {
        const name = uniqueOrg('Renamed').organization_name;
        return onTeam(
          caller,
          (token) => t.withToken(token).put('/org/update').send({ organization_name: name }),
          (res) => {
            // The caller's credentials did not change: the token it came with keeps working (checked at the end).
            expect(res.body.organization.organization_name).toBe(name);
          },
        );
      },
    },
    {
      label: 'PUT /org/update (own password)',
      least: 'viewer',
      status: 200,
      mutates: true,
      prepare: async (caller) => {
        const password = uniquePassword();
        const me = team.byRole[caller];
        return onTeam(
          caller,
          (token) => t.withToken(token).put('/org/update').send({ password }),
          (res, before, after) => {
            // Only the caller's own account changed (its password and credential version); no membership did.
            const others = (state: Snapshot) => stored(state, 'accounts').filter((account) => account._id.toHexString() !== me.id);
            expect(others(after)).toEqual(others(before));
            const mine = (state: Snapshot) => stored(state, 'accounts').find((account) => account._id.toHexString() === me.id);
            expect(mine(before)).toBeDefined();
            expect(mine(after)?.password_hash).toMatch(/^\$argon2id\$/);
            expect(mine(after)?.password_hash).not.toBe(mine(before)?.password_hash);
            expect(mine(after)?.credential_version).toBe(mine(before)?.credential_version + 1);
            expect(mine(after)?.email).toBe(mine(before)?.email);
            expect(stored(after, 'memberships')).toEqual(stored(before, 'memberships'));
            expect(stored(after, 'organizations')).toEqual(stored(before, 'organizations'));
            me.token = res.body.access_token;
            me.password = password;
          },
        );
      },
    },
    {
      label: 'POST /org/invitations',
      least: 'admin',
      status: 201,
      mutates: true,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) =>
            t
              .withToken(token)
              .post('/org/invitations')
              .send({ email: `inv-${caller}-${Date.now()}@example.com`, role: 'viewer' }),
          (res) => expect(res.body.invitation_token).toEqual(expect.any(String)),
        ),
    },
    {
      label: 'GET /org/invitations',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) => t.withToken(token).get('/org/invitations'),
          (res) => expect(res.body.items).toEqual(expect.any(Array)),
        ),
    },
    {
      label: 'DELETE /org/invitations/:id',
      least: 'admin',
      status: 204,
      mutates: true,
      prepare: async (caller) => {
        const invitation = await invite(t, tokenOf('owner'), 'viewer');
        return onTeam(
          caller,
          (token) => t.withToken(token).delete(`/org/invitations/${invitation.id}`),
          (_res, _before, after) => expect(stored(after, 'invitations').some((doc) => doc._id.toHexString() === invitation.id)).toBe(false),
        );
      },
    },
    {
      label: 'GET /org/audit',
      least: 'admin',
      status: 200,
      mutates: false,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) => t.withToken(token).get('/org/audit'),
          (res) => expect(res.body.items.length).toBeGreaterThan(0),
        ),
    },
    {
      label: 'GET /org/members',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) => t.withToken(token).get('/org/members'),
          (res) =>
            expect(res.body.items.map((item: { id: string }) => item.id)).toEqual(
              expect.arrayContaining(ROLES.map((role) => team.byRole[role].id)),
            ),
        ),
    },
    {
      label: 'GET /org/members/me',
      least: 'viewer',
      status: 200,
      mutates: false,
      prepare: async (caller) =>
        onTeam(
          caller,
          (token) => t.withToken(token).get('/org/members/me'),
          (res) => expect(res.body).toMatchObject({ id: team.byRole[caller].id, email: team.byRole[caller].email, role: caller }),
        ),
    },
    {
      label: 'PATCH /org/members/:id (viewer → member)',
      least: 'admin',
      status: 200,
      mutates: true,
      prepare: async (caller) => {
        const target = await addMember(t, tokenOf('owner'), 'viewer');
        return onTeam(
          caller,
          (token) => t.withToken(token).patch(`/org/members/${target.id}`).send({ role: 'member' }),
          (res, before, after) => {
            expect(res.body).toMatchObject({ id: target.id, role: 'member' });
            expect(membershipIn(before, orgId(), target.id)?.role).toBe('viewer');
            expect(membershipIn(after, orgId(), target.id)?.role).toBe('member');
          },
        );
      },
    },
    {
      label: 'DELETE /org/members/:id (someone else)',
      least: 'admin',
      status: 204,
      mutates: true,
      prepare: async (caller) => {
        const target = await addMember(t, tokenOf('owner'), 'viewer');
        return onTeam(
          caller,
          (token) => t.withToken(token).delete(`/org/members/${target.id}`),
          (_res, before, after) => {
            // The membership is gone; the account stays, unchanged.
            expect(membershipIn(before, orgId(), target.id)).toBeDefined();
            expect(membershipIn(after, orgId(), target.id)).toBeUndefined();
            const account = (state: Snapshot) => stored(state, 'accounts').find((doc) => doc._id.toHexString() === target.id);
            expect(account(before)).toBeDefined();
            expect(account(after)).toEqual(account(before));
          },
        );
      },
    },
    {
      label: 'DELETE /org/delete',
      least: 'owner',
      status: 200,
      mutates: true,
      prepare: async (caller) => {
        if (caller === 'owner') {
          // The allowed call deletes its organization: a fresh one, so later rows keep theirs.
          const fresh = await createOrgWithToken(t);
          return {
            orgId: fresh.org.id,
            send: () => t.withToken(fresh.token).delete('/org/delete').query({ organization_name: fresh.input.organization_name }),
            check: (res, before, after) => {
              expect(res.body.organization_name).toBe(fresh.input.organization_name);
              expect(stored(after, 'organizations').some((doc) => doc._id.toHexString() === fresh.org.id)).toBe(false);
              // Its memberships go; its owner's account stays.
              expect(membershipIn(before, fresh.org.id, fresh.org.admin.id)).toBeDefined();
              expect(stored(after, 'memberships').some((doc) => doc.org_id.toHexString() === fresh.org.id)).toBe(false);
              expect(stored(after, 'accounts')).toEqual(stored(before, 'accounts'));
            },
          };
        }
        const org = await t.db.master.collection('organizations').findOne({ _id: new Types.ObjectId(orgId()) });
        return onTeam(caller, (token) =>
          t
            .withToken(token)
            .delete('/org/delete')
            .query({ organization_name: org!.name as string }),
        );
      },
    },
  ];

  const cases = routes.flatMap((route) =>
    ROLES.map((caller) => {
      const allowed = rank(caller) >= rank(route.least);
      return { ...route, caller, allowed, expected: allowed ? String(route.status) : `403 Requires role ${route.least}` };
    }),
  );

  it.each(cases)('$label as $caller: $expected', async ({ caller, allowed, status, least, mutates, prepare }) => {
    const prepared = await prepare(caller);
    const before = await snapshot(prepared.orgId);
    const res = await prepared.send();
    const after = await snapshot(prepared.orgId);
    if (!allowed) {
      expectError(res, 403, `Requires role ${least}`);
      expect(after).toEqual(before);
      return;
    }
    expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });
    if (mutates) expect(after).not.toEqual(before);
    else expect(after).toEqual(before);
    prepared.check?.(res, before, after);
  });

  it('after the matrix every role still holds its own role and a working token', async () => {
    for (const role of ROLES) {
      const me = await t.withToken(tokenOf(role)).get('/org/members/me').expect(200);
      expect(me.body.role).toBe(role);
    }
  });

  describe('another organization’s ids', () => {
    let adminOfB: string;
    let memberIdOfA: string;
    let invitationIdOfA: string;

    beforeAll(async () => {
      const b = await createOrgWithToken(t);
      adminOfB = (await addMember(t, b.token, 'admin')).token;
      memberIdOfA = team.byRole.viewer.id;
      invitationIdOfA = (await invite(t, tokenOf('owner'), 'member')).id;
    });

    it.each([
      { label: 'PATCH A’s member', send: () => t.withToken(adminOfB).patch(`/org/members/${memberIdOfA}`).send({ role: 'member' }) },
      {
        label: 'PATCH A’s member to owner',
        send: () => t.withToken(adminOfB).patch(`/org/members/${memberIdOfA}`).send({ role: 'owner' }),
      },
      { label: 'DELETE A’s member', send: () => t.withToken(adminOfB).delete(`/org/members/${memberIdOfA}`) },
      { label: 'DELETE A’s invitation', send: () => t.withToken(adminOfB).delete(`/org/invitations/${invitationIdOfA}`) },
    ])('$label as B’s admin: 404, nothing changed', async ({ send }) => {
      const before = await snapshot(orgId());
      const res = await send();
      expectError(res, 404);
      expect(await snapshot(orgId())).toEqual(before);
    });

    it('B’s admin does not see A’s members or invitations in its lists', async () => {
      const members = await t.withToken(adminOfB).get('/org/members').expect(200);
      expect(JSON.stringify(members.body)).not.toContain(memberIdOfA);
      const invitations = await t.withToken(adminOfB).get('/org/invitations').expect(200);
      expect(JSON.stringify(invitations.body)).not.toContain(invitationIdOfA);
    });
  });
});
