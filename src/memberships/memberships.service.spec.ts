import { MemberRole } from '../common/access/member-role.js';
import { newObjectId, type ObjectId } from '../common/database/object-id.js';
import { ExclusiveKeys } from '../common/locks/lock-keys.js';
import { InMemoryTransitionTickets, inMemoryLocks, standIn } from '../common/testing/common.fakes.js';
import { LastOwnerError, OwnersBusyError } from './members.errors.js';
import { MembershipsService } from './memberships.service.js';
import { InMemoryMemberships } from './testing/memberships.fakes.js';

function memberships() {
  const documents = new InMemoryMemberships();
  const tickets = new InMemoryTransitionTickets();
  const service = new MembershipsService(standIn(documents), inMemoryLocks(tickets));
  const orgId = newObjectId();
  const join = async (role: MemberRole, org: ObjectId = orgId): Promise<ObjectId> => {
    const accountId = newObjectId();
    expect(await service.join({ _id: newObjectId(), org_id: org, account_id: accountId, role })).toBe('created');
    return accountId;
  };
  return { service, documents, tickets, orgId, join };
}

describe('MembershipsService', () => {
  describe('join', () => {
    it('tells a first insert, a repeat of the same membership and another membership of the account apart', async () => {
      const { service, documents, orgId } = memberships();
      const accountId = newObjectId();
      const membership = { _id: newObjectId(), org_id: orgId, account_id: accountId, role: MemberRole.Member };
      expect(await service.join(membership)).toBe('created');
      expect(await service.join(membership)).toBe('repeated');
      expect(await service.join({ ...membership, _id: newObjectId(), role: MemberRole.Admin })).toBe('already-member');
      expect(documents.of({ orgId })).toEqual([expect.objectContaining({ _id: membership._id, role: MemberRole.Member })]);
      // The same account in another organization is another membership.
      expect(await service.join({ ...membership, _id: newObjectId(), org_id: newObjectId() })).toBe('created');
      expect(await service.orgIdsOf(accountId)).toHaveLength(2);
    });

    it('answers the role as stored now after a join and a leave', async () => {
      const { service, orgId, join } = memberships();
      const accountId = await join(MemberRole.Viewer);
      expect(await service.standing(orgId.toHexString(), accountId.toHexString())).toEqual({
        role: MemberRole.Viewer,
        _id: expect.anything(),
      });
      await service.leave(orgId, accountId);
      expect(await service.standing(orgId.toHexString(), accountId.toHexString())).toBeNull();
    });
  });

  describe('assertAnotherOwner (the last-owner rule)', () => {
    it('refuses when the account is the only owner, whatever other members there are', async () => {
      const { service, orgId, join } = memberships();
      const owner = await join(MemberRole.Owner);
      await join(MemberRole.Admin);
      await join(MemberRole.Viewer);
      await expect(service.assertAnotherOwner(orgId, owner)).rejects.toBeInstanceOf(LastOwnerError);
    });

    it('allows when another owner exists', async () => {
      const { service, orgId, join } = memberships();
      const owner = await join(MemberRole.Owner);
      await join(MemberRole.Owner);
      await expect(service.assertAnotherOwner(orgId, owner)).resolves.toBeUndefined();
    });

    it("counts only the organization's own owners", async () => {
      const { service, orgId, join } = memberships();
      const owner = await join(MemberRole.Owner);
      await join(MemberRole.Owner, newObjectId());
      await expect(service.assertAnotherOwner(orgId, owner)).rejects.toBeInstanceOf(LastOwnerError);
    });
  });

  describe('whileAnotherOwnerRemains', () => {
    it("refuses with busy while another holder has the organization's owners ticket, without running the change", async () => {
      const { service, tickets, orgId, join } = memberships();
      const owner = await join(MemberRole.Owner);
      await join(MemberRole.Owner);
      await tickets.take(ExclusiveKeys.owners(orgId), 'another request');
      let ran = false;
      await expect(
        service.whileAnotherOwnerRemains([orgId], owner, async () => {
          ran = true;
        }),
      ).rejects.toBeInstanceOf(OwnersBusyError);
      expect(ran).toBe(false);
      // The other holder's ticket is left alone.
      expect(tickets.tickets.get(ExclusiveKeys.owners(orgId))?.holder).toBe('another request');
    });

    it('lets exactly one of two owners demoting each other through: the second is the last owner', async () => {
      const { service, documents, tickets, orgId, join } = memberships();
      const first = await join(MemberRole.Owner);
      const second = await join(MemberRole.Owner);
      const demote = (accountId: ObjectId) =>
        service.whileAnotherOwnerRemains([orgId], accountId, () => documents.setRole(orgId, accountId, MemberRole.Admin));

      expect(await demote(first)).toMatchObject({ role: MemberRole.Admin });
      await expect(demote(second)).rejects.toBeInstanceOf(LastOwnerError);
      expect(await documents.ownerAccountIds(orgId)).toEqual([second]);
      expect(tickets.tickets.size).toBe(0);
    });

    it('holds every organization at once, and releases each ticket it took when one refuses', async () => {
      const { service, tickets, orgId, join } = memberships();
      const otherOrg = newObjectId();
      const owner = await join(MemberRole.Owner);
      await join(MemberRole.Owner);
      const member = newObjectId();
      await service.join({ _id: newObjectId(), org_id: otherOrg, account_id: owner, role: MemberRole.Owner });
      await service.join({ _id: newObjectId(), org_id: otherOrg, account_id: member, role: MemberRole.Member });
      let ran = false;
      await expect(
        service.whileAnotherOwnerRemains([orgId, otherOrg], owner, async () => {
          ran = true;
        }),
      ).rejects.toBeInstanceOf(LastOwnerError);
      expect(ran).toBe(false);
      expect(tickets.tickets.size).toBe(0);
    });

    it("releases the tickets when the change itself fails, and returns the change's result otherwise", async () => {
      const { service, tickets, orgId, join } = memberships();
      const owner = await join(MemberRole.Owner);
      await join(MemberRole.Owner);
      await expect(service.whileAnotherOwnerRemains([orgId], owner, () => Promise.reject(new Error('write failed')))).rejects.toThrow(
        'write failed',
      );
      expect(tickets.tickets.size).toBe(0);
      expect(await service.whileAnotherOwnerRemains([orgId], owner, async () => 'done')).toBe('done');
      expect(tickets.tickets.size).toBe(0);
    });
  });
});
