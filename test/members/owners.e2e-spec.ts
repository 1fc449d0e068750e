import type { Response } from 'supertest';
import { expectError } from '../support/expect-error.js';
import { addMember, storedMembers, storedOwners } from '../support/members.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';

const LAST_OWNER = 'The organization must keep at least one owner';

describe('an organization always keeps an owner (e2e)', () => {
  const t = useTestApp();

  const owner = async () => {
    const org = await createOrgWithToken(t);
    return { org, id: org.org.admin.id as string, token: org.token };
  };

  it('the only owner cannot demote itself (409) and stays owner', async () => {
    const { org, id, token } = await owner();
    for (const role of ['admin', 'viewer']) {
      const before = await storedMembers(t, org.org.id);
      expectError(await t.withToken(token).patch(`/org/members/${id}`).send({ role }), 409, LAST_OWNER);
      expect(await storedMembers(t, org.org.id)).toEqual(before);
    }
    const me = await t.withToken(token).get('/org/members/me').expect(200);
    expect(me.body.role).toBe('owner');
  });

  it('the only owner cannot leave (409) and its token keeps working', async () => {
    const { org, id, token } = await owner();
    await addMember(t, token, 'admin');
    const before = await storedMembers(t, org.org.id);
    expectError(await t.withToken(token).delete(`/org/members/${id}`), 409, LAST_OWNER);
    expect(await storedMembers(t, org.org.id)).toEqual(before);
    await t.withToken(token).get('/org/members/me').expect(200);
  });

  it('with two owners one may leave; then the other is the last and may not', async () => {
    const first = await owner();
    const second = await addMember(t, first.token, 'owner');
    await t.withToken(second.token).delete(`/org/members/${second.id}`).expect(204);
    expect(await storedOwners(t, first.org.org.id)).toEqual([first.id]);
    expectError(await t.withToken(second.token).get('/org/members/me'), 401);
    expectError(await t.withToken(first.token).delete(`/org/members/${first.id}`), 409, LAST_OWNER);
    expect(await storedOwners(t, first.org.org.id)).toEqual([first.id]);
  });

  it('with two owners one may demote the other, and the demoted one can no longer touch owners', async () => {
    const first = await owner();
    const second = await addMember(t, first.token, 'owner');
    const res = await t.withToken(second.token).patch(`/org/members/${first.id}`).send({ role: 'admin' }).expect(200);
    expect(res.body).toMatchObject({ id: first.id, role: 'admin' });
    expect(await storedOwners(t, first.org.org.id)).toEqual([second.id]);
    expectError(await t.withToken(first.token).patch(`/org/members/${second.id}`).send({ role: 'admin' }), 403, 'Requires role owner');
    expect(await storedOwners(t, first.org.org.id)).toEqual([second.id]);
  });

  describe('an admin and the owner role', () => {
    let org: Awaited<ReturnType<typeof owner>>;
    let admin: Awaited<ReturnType<typeof addMember>>;
    let viewer: Awaited<ReturnType<typeof addMember>>;

    beforeAll(async () => {
      org = await owner();
      admin = await addMember(t, org.token, 'admin');
      viewer = await addMember(t, org.token, 'viewer');
    });

    it.each([
      { label: 'demote the owner', send: () => t.withToken(admin.token).patch(`/org/members/${org.id}`).send({ role: 'admin' }) },
      { label: 'remove the owner', send: () => t.withToken(admin.token).delete(`/org/members/${org.id}`) },
      {
        label: 'promote a viewer to owner',
        send: () => t.withToken(admin.token).patch(`/org/members/${viewer.id}`).send({ role: 'owner' }),
      },
      { label: 'promote itself to owner', send: () => t.withToken(admin.token).patch(`/org/members/${admin.id}`).send({ role: 'owner' }) },
    ])('an admin cannot $label: 403 Requires role owner, nothing changed', async ({ send }) => {
      const before = await storedMembers(t, org.org.org.id);
      expectError(await send(), 403, 'Requires role owner');
      expect(await storedMembers(t, org.org.org.id)).toEqual(before);
    });

    it('an admin can still change and remove non-owners', async () => {
      await t.withToken(admin.token).patch(`/org/members/${viewer.id}`).send({ role: 'member' }).expect(200);
      await t.withToken(admin.token).delete(`/org/members/${viewer.id}`).expect(204);
      expect((await storedMembers(t, org.org.org.id)).map((member) => member._id.toHexString())).not.toContain(viewer.id);
    });
  });

  it('two owners demoting each other at the same moment: at least one owner remains (50 rounds)', async () => {
    const a = await owner();
    const b = await addMember(t, a.token, 'owner');
    const orgId = a.org.org.id as string;
    const tokens: Record<string, string> = { [a.id]: a.token, [b.id]: b.token };
    const outcomes: Record<string, number> = {};

    for (let round = 0; round < 50; round += 1) {
      const [aByB, bByA] = await Promise.all([
        t.withToken(b.token).patch(`/org/members/${a.id}`).send({ role: 'admin' }),
        t.withToken(a.token).patch(`/org/members/${b.id}`).send({ role: 'admin' }),
      ]);
      const owners = await storedOwners(t, orgId);
      const members = await storedMembers(t, orgId);
      const roleOf = (id: string) => members.find((member) => member._id.toHexString() === id)?.role;

      expect({ round, owners: owners.length > 0 }).toEqual({ round, owners: true });
      for (const [res, caller, target] of [
        [aByB, b.id, a.id],
        [bByA, a.id, b.id],
      ] as [Response, string, string][]) {
        outcomes[String(res.status)] = (outcomes[String(res.status)] ?? 0) + 1;
        if (res.status === 200) {
          expect(res.body).toMatchObject({ id: target, role: 'admin' });
          expect(roleOf(target)).toBe('admin');
        } else if (res.status === 409) {
          expectError(res, 409);
          expect(roleOf(target)).toBe('owner');
          if (res.body.message !== LAST_OWNER) expect(res.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
        } else {
          // Only when the other request had already demoted the caller before this one was authorized.
          expect({ round, status: res.status, callerRole: roleOf(caller) }).toEqual({ round, status: 403, callerRole: 'admin' });
          expectError(res, 403, 'Requires role owner');
        }
      }
      expect({ round, bothDemoted: aByB.status === 200 && bByA.status === 200 }).toEqual({ round, bothDemoted: false });
      const tickets = await t.db.master.collection('transition_tickets').find().toArray();
      expect(tickets).toEqual([]);

      // Restore: the remaining owner promotes the other back.
      for (const id of [a.id, b.id]) {
        if (roleOf(id) === 'owner') continue;
        await t.withToken(tokens[owners[0]]).patch(`/org/members/${id}`).send({ role: 'owner' }).expect(200);
      }
      expect((await storedOwners(t, orgId)).sort()).toEqual([a.id, b.id].sort());
    }
    // The race was really run: at least one change won in every round.
    expect(outcomes['200']).toBeGreaterThanOrEqual(50);
  });
});
