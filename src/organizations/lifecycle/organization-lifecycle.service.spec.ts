import { EmailTakenError } from '../../accounts/accounts.errors.js';
import { AuditAction } from '../../audit/audit-action.js';
import type { Actor } from '../../common/access/authenticated-member.js';
import { MemberRole } from '../../common/access/member-role.js';
import { newObjectId, type ObjectId } from '../../common/database/object-id.js';
import { namespaceOf, type Placement, type PlacementMode, placementOf } from '../../tenants/placement.js';
import { OrganizationBusyError, OrganizationNameTakenError } from '../organization.errors.js';
import { MovePhase, OrganizationStatus } from '../persistence/organization.schema.js';
import { inMemoryLifecycle } from '../testing/organizations.fakes.js';

const TENANT_DB = 'tenant_db';
const EMAIL = 'owner@acme.test';
const HASH = '$argon2id$stand-in';
const ORIGIN = { ip: '127.0.0.1', requestId: 'r-1' };

/** Where `mode` puts the documents of the organization with this id and slug, on the default cluster. */
function placed(mode: PlacementMode, id: ObjectId, slug: string): Placement {
  return placementOf(mode, 'default', { id: id.toHexString(), slug }, TENANT_DB);
}

/** What a create is given for a new organization: a fresh id, the name and slug, and its placement. */
function newOrg(name: string, slug: string, mode: PlacementMode = 'collection') {
  const id = newObjectId();
  return { id, name, slug, placement: placed(mode, id, slug) };
}

/** The namespace of a collection of the tenant database, as the in-memory storage keys it. */
function inTenantDb(collection: string): string {
  return namespaceOf({ cluster: 'default', database: TENANT_DB, collection });
}

/** A lifecycle with Acme created (in a collection of its own, unless `mode` says otherwise) for a new owner account. */
async function created(mode: PlacementMode = 'collection') {
  const stores = inMemoryLifecycle();
  const ownerId = newObjectId();
  const org = await stores.lifecycle.create({
    ...newOrg('Acme', 'acme', mode),
    owner: { accountId: ownerId, email: EMAIL, passwordHash: HASH },
  });
  const actor: Actor = { type: 'account', id: ownerId.toHexString(), email: EMAIL };
  return { ...stores, org, ownerId, by: { by: actor, origin: ORIGIN } };
}

describe('OrganizationLifecycleService', () => {
  describe('create', () => {
    it('with a new owner: claims the name and email, registers the account, makes it owner, writes the collection and ends active', async () => {
      const { org, ownerId, organizations, uniqueClaims, accountDocuments, membershipDocuments, tenants, tickets } = await created();
      expect(org).toMatchObject({
        status: OrganizationStatus.Active,
        lifecycle_epoch: 1,
        placement: { mode: 'collection', cluster: 'default', database: TENANT_DB, collection: 'org_acme' },
        collection_name: 'org_acme',
        move: null,
      });
      expect(org.operation).toBeUndefined();
      expect(uniqueClaims.held()).toEqual({ 'org:acme': org._id.toHexString(), [`email:${EMAIL}`]: ownerId.toHexString() });
      expect(accountDocuments.documents.get(ownerId.toHexString())).toMatchObject({
        email: EMAIL,
        password_hash: HASH,
        credential_version: 1,
      });
      expect(membershipDocuments.of({ accountId: ownerId })).toEqual([
        expect.objectContaining({ org_id: org._id, account_id: ownerId, role: MemberRole.Owner }),
      ]);
      expect([...tenants.collections.keys()]).toEqual([inTenantDb('org_acme')]);
      expect(organizations.documents.size).toBe(1);
      expect(tickets.tickets.size).toBe(0);
    });

    it('with an existing owner: claims only the name and gives the account a second membership', async () => {
      const { lifecycle, org, ownerId, uniqueClaims, accountDocuments, membershipDocuments, tickets } = await created();
      const input = newOrg('Beta', 'beta');
      const beta = await lifecycle.create({ ...input, owner: { accountId: ownerId } });
      expect(beta).toMatchObject({
        _id: input.id,
        status: OrganizationStatus.Active,
        placement: input.placement,
        collection_name: 'org_beta',
      });
      expect(beta.operation).toBeUndefined();
      expect(accountDocuments.documents.size).toBe(1);
      expect(uniqueClaims.held()).toEqual({
        'org:acme': org._id.toHexString(),
        'org:beta': beta._id.toHexString(),
        [`email:${EMAIL}`]: ownerId.toHexString(),
      });
      expect(membershipDocuments.of({ accountId: ownerId }).map((m) => [m.org_id.toHexString(), m.role])).toEqual(
        expect.arrayContaining([
          [org._id.toHexString(), MemberRole.Owner],
          [beta._id.toHexString(), MemberRole.Owner],
        ]),
      );
      expect(tickets.tickets.size).toBe(0);
    });

    it('refuses a taken name and writes nothing', async () => {
      const { lifecycle, organizations, uniqueClaims, accountDocuments, membershipDocuments } = await created();
      const before = uniqueClaims.held();
      await expect(
        lifecycle.create({ ...newOrg('Acme', 'acme'), owner: { accountId: newObjectId(), email: 'other@acme.test', passwordHash: HASH } }),
      ).rejects.toBeInstanceOf(OrganizationNameTakenError);
      expect(organizations.documents.size).toBe(1);
      expect(accountDocuments.documents.size).toBe(1);
      expect(membershipDocuments.documents.size).toBe(1);
      expect(uniqueClaims.held()).toEqual(before);
    });

    it("refuses a new owner with another account's email and gives the name back", async () => {
      const { lifecycle, organizations, uniqueClaims, accountDocuments } = await created();
      await expect(
        lifecycle.create({ ...newOrg('Other', 'other'), owner: { accountId: newObjectId(), email: EMAIL, passwordHash: HASH } }),
      ).rejects.toBeInstanceOf(EmailTakenError);
      expect(uniqueClaims.held()['org:other']).toBeUndefined();
      expect(organizations.documents.size).toBe(1);
      expect(accountDocuments.documents.size).toBe(1);
    });

    it('undoes every step when one fails, removing the account it registered', async () => {
      const { lifecycle, organizations, uniqueClaims, accountDocuments, membershipDocuments, tenants, tickets } = inMemoryLifecycle();
      tenants.failNextProvision = true;
      await expect(
        lifecycle.create({ ...newOrg('Acme', 'acme'), owner: { accountId: newObjectId(), email: EMAIL, passwordHash: HASH } }),
      ).rejects.toThrow('connection lost');
      expect(organizations.documents.size).toBe(0);
      expect(accountDocuments.documents.size).toBe(0);
      expect(membershipDocuments.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
      expect(tenants.collections.size).toBe(0);
      expect(tickets.tickets.size).toBe(0);
    });

    it("undoes a failed create for an existing owner without touching the owner's account or other memberships", async () => {
      const { lifecycle, org, ownerId, organizations, uniqueClaims, accountDocuments, membershipDocuments, tenants, tickets } =
        await created();
      tenants.failNextProvision = true;
      await expect(lifecycle.create({ ...newOrg('Beta', 'beta'), owner: { accountId: ownerId } })).rejects.toThrow('connection lost');
      expect([...organizations.documents.keys()]).toEqual([org._id.toHexString()]);
      expect(accountDocuments.documents.get(ownerId.toHexString())).toMatchObject({ email: EMAIL, credential_version: 1 });
      expect(membershipDocuments.of({ accountId: ownerId })).toEqual([expect.objectContaining({ org_id: org._id })]);
      expect(uniqueClaims.held()).toEqual({ 'org:acme': org._id.toHexString(), [`email:${EMAIL}`]: ownerId.toHexString() });
      expect([...tenants.collections.keys()]).toEqual([inTenantDb('org_acme')]);
      expect(tickets.tickets.size).toBe(0);
    });

    it('answers busy when the reconciler took the create over first, and leaves the undo (with the account) to it', async () => {
      const { lifecycle, tickets, organizations, accountDocuments, membershipDocuments, uniqueClaims, tenants } = inMemoryLifecycle();
      const insert = organizations.insertProvisioning.bind(organizations);
      // Another instance wins the ticket of epoch 0 before this create tries to finish.
      organizations.insertProvisioning = async (org) => {
        await insert(org);
        await tickets.take(`${org._id.toHexString()}:0`, 'reconciler');
      };
      const accountId = newObjectId();
      await expect(
        lifecycle.create({ ...newOrg('Acme', 'acme'), owner: { accountId, email: EMAIL, passwordHash: HASH } }),
      ).rejects.toBeInstanceOf(OrganizationBusyError);
      const [stale] = [...organizations.documents.values()];
      expect(stale).toMatchObject({
        status: OrganizationStatus.Provisioning,
        operation: { new_account: { _id: accountId, email: EMAIL } },
      });

      // The reconciler, holding the ticket, rolls it back once the lease is out.
      await tickets.release(`${stale._id.toHexString()}:0`, 'reconciler');
      await lifecycle.abandonCreate(stale._id, stale.operation!.lease_until);
      expect(organizations.documents.size).toBe(0);
      expect(accountDocuments.documents.size).toBe(0);
      expect(membershipDocuments.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
      expect(tenants.collections.size).toBe(0);
    });
  });

  describe('rename', () => {
    it('moves the collection, takes the new name, frees the old one, bumps the epoch twice and is audited once', async () => {
      const { lifecycle, org, uniqueClaims, tenants, tickets, auditEvents, by } = await created();
      tenants.put(org._id, org.placement, 7);
      const outcome = await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by);
      // Renamed without reading a document: the count is the caller's to take from the quota ledger.
      expect(outcome).toMatchObject({ previous_collection: 'org_acme', documents_migrated: null });
      expect(outcome.organization).toMatchObject({
        name: 'Acme Two',
        slug: 'acme_two',
        placement: { ...org.placement, collection: 'org_acme_two' },
        collection_name: 'org_acme_two',
        lifecycle_epoch: 3,
        status: OrganizationStatus.Active,
      });
      expect(outcome.organization.operation).toBeUndefined();
      expect([...tenants.collections]).toEqual([[inTenantDb('org_acme_two'), 7]]);
      expect(uniqueClaims.held()['org:acme']).toBeUndefined();
      expect(uniqueClaims.held()['org:acme_two']).toBe(org._id.toHexString());
      expect(tickets.tickets.size).toBe(0);
      expect(auditEvents.ofAction(AuditAction.OrganizationRenamed)).toEqual([
        expect.objectContaining({ org_id: org._id, actor: by.by, details: { from: 'Acme', to: 'Acme Two' }, ip: ORIGIN.ip }),
      ]);
      expect(auditEvents.ofAction(AuditAction.MemberCredentialsChanged)).toEqual([]);
    });

    it("applies credential changes to the caller's account with the rename, frees the previous email and records it in each of its organizations", async () => {
      const { lifecycle, accounts, org, ownerId, uniqueClaims, accountDocuments, auditEvents, by } = await created();
      const beta = await lifecycle.create({ ...newOrg('Beta', 'beta'), owner: { accountId: ownerId } });
      // Remembered before the change: the change must not leave it stale.
      expect(await accounts.credentialState(ownerId.toHexString())).toEqual({ email: EMAIL, credential_version: 1 });

      await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by, {
        account_id: ownerId,
        email: 'new@acme.test',
        password_hash: '$argon2id$new',
        credential_version: 2,
      });

      expect(accountDocuments.documents.get(ownerId.toHexString())).toMatchObject({
        email: 'new@acme.test',
        password_hash: '$argon2id$new',
        credential_version: 2,
      });
      expect(await accounts.credentialState(ownerId.toHexString())).toEqual({ email: 'new@acme.test', credential_version: 2 });
      expect(await accounts.findByEmail('new@acme.test')).toMatchObject({ _id: ownerId });
      expect(await accounts.findByEmail(EMAIL)).toBeNull();
      expect(uniqueClaims.held()[`email:${EMAIL}`]).toBeUndefined();
      expect(uniqueClaims.held()['email:new@acme.test']).toBe(ownerId.toHexString());
      const recorded = auditEvents.ofAction(AuditAction.MemberCredentialsChanged);
      expect(recorded.map((event) => event.org_id.toHexString()).sort()).toEqual([org._id.toHexString(), beta._id.toHexString()].sort());
      expect(recorded[0]).toMatchObject({
        actor: by.by,
        target: { type: 'member', id: ownerId.toHexString(), email: 'new@acme.test' },
        details: { email_changed: true, password_changed: true },
      });
    });

    it('refuses an email another account holds, and gives the name back', async () => {
      const { lifecycle, org, ownerId, uniqueClaims, accountDocuments, by } = await created();
      await uniqueClaims.claim('email', 'taken@acme.test', newObjectId());
      await expect(
        lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by, {
          account_id: ownerId,
          email: 'taken@acme.test',
          credential_version: 2,
        }),
      ).rejects.toBeInstanceOf(EmailTakenError);
      expect(uniqueClaims.held()['org:acme_two']).toBeUndefined();
      expect(accountDocuments.documents.get(ownerId.toHexString())).toMatchObject({ email: EMAIL, credential_version: 1 });
    });

    it('refuses a name another organization holds', async () => {
      const { lifecycle, org, uniqueClaims, by } = await created();
      await uniqueClaims.claim('org', 'taken', newObjectId());
      await expect(lifecycle.rename(org, { name: 'Taken', slug: 'taken' }, by)).rejects.toBeInstanceOf(OrganizationNameTakenError);
    });

    it('does not ride on a name the organization still holds: a rename back while the old claim is being given up is busy', async () => {
      const { lifecycle, org, uniqueClaims, by } = await created();
      const renamed = (await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by)).organization;
      // As if the first rename had not released `acme` yet.
      await uniqueClaims.claim('org', 'acme', org._id);
      await expect(lifecycle.rename(renamed, { name: 'Acme', slug: 'acme' }, by)).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(uniqueClaims.held()['org:acme_two']).toBe(org._id.toHexString());
    });

    it('loses to a transition that holds the epoch, and releases what it claimed', async () => {
      const { lifecycle, org, ownerId, uniqueClaims, tickets, organizations, accountDocuments, by } = await created();
      await tickets.take(`${org._id.toHexString()}:${org.lifecycle_epoch}`, 'someone else');
      await expect(
        lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by, {
          account_id: ownerId,
          email: 'new@acme.test',
          credential_version: 2,
        }),
      ).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(uniqueClaims.held()['org:acme_two']).toBeUndefined();
      expect(uniqueClaims.held()['email:new@acme.test']).toBeUndefined();
      expect(uniqueClaims.held()[`email:${EMAIL}`]).toBe(ownerId.toHexString());
      expect((await organizations.findById(org._id))?.status).toBe(OrganizationStatus.Active);
      expect(accountDocuments.documents.get(ownerId.toHexString())).toMatchObject({ email: EMAIL, credential_version: 1 });
    });

    it('refuses to act on an organization read before another transition', async () => {
      const { lifecycle, org, by } = await created();
      await lifecycle.changeDisplayName(org, 'ACME', by);
      await expect(lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by)).rejects.toBeInstanceOf(OrganizationBusyError);
    });

    it('is rolled forward from migrating by whoever takes over its expired lease, credential changes included, and recorded once', async () => {
      const { lifecycle, org, ownerId, organizations, uniqueClaims, accountDocuments, tenants, auditEvents, by } = await created();
      const credentialChanges = { account_id: ownerId, email: 'new@acme.test', credential_version: 2 };
      // As a request would have left it before crashing: claims taken, the organization migrating.
      await uniqueClaims.claim('org', 'acme_two', org._id);
      await uniqueClaims.claim('email', 'new@acme.test', ownerId);
      const migrating = await organizations.beginRename(org, {
        kind: 'rename',
        lease_until: new Date(Date.now() - 1000),
        to_name: 'Acme Two',
        to_slug: 'acme_two',
        to_collection: 'org_acme_two',
        credential_changes: credentialChanges,
        requested_by: by.by,
        origin: by.origin,
      });
      const taken = await lifecycle.takeOverExpired(migrating!);
      expect(taken).not.toBeNull();
      // Only one instance takes it over.
      expect(await lifecycle.takeOverExpired(migrating!)).toBeNull();
      const outcome = await lifecycle.completeRename(taken!);
      expect(outcome.organization).toMatchObject({
        slug: 'acme_two',
        status: OrganizationStatus.Active,
        placement: { ...org.placement, collection: 'org_acme_two' },
      });
      expect([...tenants.collections.keys()]).toEqual([inTenantDb('org_acme_two')]);
      expect(accountDocuments.documents.get(ownerId.toHexString())).toMatchObject({ email: 'new@acme.test', credential_version: 2 });
      expect(uniqueClaims.held()['org:acme']).toBeUndefined();

      // Finishing it again (another instance, or a retry) records nothing more.
      await organizations.beginRename(outcome.organization, { ...migrating!.operation!, lease_until: new Date() });
      await lifecycle.completeRename(migrating!);
      expect(auditEvents.ofAction(AuditAction.OrganizationRenamed)).toHaveLength(1);
      expect(auditEvents.ofAction(AuditAction.MemberCredentialsChanged)).toEqual([
        expect.objectContaining({ org_id: org._id, actor: by.by, details: { email_changed: true, password_changed: false } }),
      ]);
    });
  });

  describe('changeDisplayName', () => {
    it('changes only the spelling, bumps the epoch and is audited', async () => {
      const { lifecycle, org, tenants, uniqueClaims, auditEvents, by } = await created();
      const renamed = await lifecycle.changeDisplayName(org, 'ACME', by);
      expect(renamed).toMatchObject({
        name: 'ACME',
        slug: 'acme',
        placement: org.placement,
        collection_name: 'org_acme',
        lifecycle_epoch: 2,
      });
      expect([...tenants.collections.keys()]).toEqual([inTenantDb('org_acme')]);
      expect(uniqueClaims.held()['org:acme']).toBe(org._id.toHexString());
      expect(auditEvents.ofAction(AuditAction.OrganizationRenamed)).toEqual([
        expect.objectContaining({ details: { from: 'Acme', to: 'ACME' } }),
      ]);
    });
  });

  describe('delete', () => {
    it("removes collection, memberships, audit log, organization and its claims, calls every registered cleanup, and keeps the owner's account", async () => {
      const {
        lifecycle,
        cleanup,
        org,
        ownerId,
        organizations,
        uniqueClaims,
        accountDocuments,
        membershipDocuments,
        tenants,
        auditEvents,
        by,
      } = await created();
      const beta = await lifecycle.create({ ...newOrg('Beta', 'beta'), owner: { accountId: ownerId } });
      const member = newObjectId();
      await membershipDocuments.insert({ _id: newObjectId(), org_id: org._id, account_id: member, role: MemberRole.Viewer });
      const cleaned: ObjectId[][] = [[], []];
      cleanup.register({ deleteOrganizationData: async (orgId) => void cleaned[0].push(orgId) });
      cleanup.register({ deleteOrganizationData: async (orgId) => void cleaned[1].push(orgId) });
      await lifecycle.changeDisplayName(org, 'ACME', by);
      tenants.put(org._id, org.placement, 4);

      expect(await lifecycle.delete((await organizations.findById(org._id))!)).toBe(4);

      expect([...organizations.documents.keys()]).toEqual([beta._id.toHexString()]);
      expect(membershipDocuments.of({ orgId: org._id })).toEqual([]);
      expect(membershipDocuments.of({ accountId: ownerId })).toEqual([expect.objectContaining({ org_id: beta._id })]);
      expect(cleaned).toEqual([[org._id], [org._id]]);
      expect(auditEvents.events.filter((event) => event.org_id.equals(org._id))).toEqual([]);
      expect(accountDocuments.documents.get(ownerId.toHexString())).toMatchObject({ email: EMAIL });
      expect(uniqueClaims.held()).toEqual({ 'org:beta': beta._id.toHexString(), [`email:${EMAIL}`]: ownerId.toHexString() });
      expect([...tenants.collections.keys()]).toEqual([inTenantDb('org_beta')]);
    });

    it('refuses an organization changed since it was read', async () => {
      const { lifecycle, cleanup, org, organizations, membershipDocuments, by } = await created();
      let cleaned = 0;
      cleanup.register({ deleteOrganizationData: async () => void (cleaned += 1) });
      await lifecycle.changeDisplayName(org, 'ACME', by);
      await expect(lifecycle.delete(org)).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(organizations.documents.size).toBe(1);
      expect(membershipDocuments.documents.size).toBe(1);
      expect(cleaned).toBe(0);
    });
  });

  describe('placements', () => {
    it('provisions the placement it is given: one shared collection for every shared organization, a database of its own for each database one', async () => {
      const { lifecycle, organizations, tenants } = inMemoryLifecycle();
      const owner = { accountId: newObjectId(), email: EMAIL, passwordHash: HASH };
      const acme = await lifecycle.create({ ...newOrg('Acme', 'acme', 'shared'), owner });
      const beta = await lifecycle.create({ ...newOrg('Beta', 'beta', 'shared'), owner: { accountId: owner.accountId } });
      const gamma = await lifecycle.create({ ...newOrg('Gamma', 'gamma', 'database'), owner: { accountId: owner.accountId } });

      expect(acme).toMatchObject({ status: OrganizationStatus.Active, placement: { mode: 'shared' }, collection_name: 'shared_records' });
      expect(beta.placement).toEqual(acme.placement);
      expect(gamma).toMatchObject({
        status: OrganizationStatus.Active,
        placement: { mode: 'database', database: `${TENANT_DB}_${gamma._id.toHexString()}`, collection: 'records' },
        collection_name: 'records',
      });
      expect([...tenants.collections.keys()].sort()).toEqual([inTenantDb('shared_records'), namespaceOf(gamma.placement)].sort());
      expect(await organizations.countInPlacement('default', 'shared')).toBe(2);
      expect(await organizations.countInPlacement('default', 'database')).toBe(1);
      expect(await organizations.countInPlacement('b', 'shared')).toBe(0);
    });

    it('renames a shared organization without moving its documents', async () => {
      const { lifecycle, org, tenants, uniqueClaims, by } = await created('shared');
      const other = await lifecycle.create({ ...newOrg('Beta', 'beta', 'shared'), owner: { accountId: newObjectId() } });
      tenants.put(org._id, org.placement, 5);
      tenants.put(other._id, other.placement, 3);

      const outcome = await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by);

      expect(outcome).toMatchObject({ previous_collection: 'shared_records', documents_migrated: 0 });
      expect(outcome.organization).toMatchObject({
        slug: 'acme_two',
        status: OrganizationStatus.Active,
        placement: org.placement,
        collection_name: 'shared_records',
      });
      expect(outcome.organization.operation).toBeUndefined();
      expect([...tenants.collections]).toEqual([[inTenantDb('shared_records'), 8]]);
      expect(await tenants.stats(org._id, outcome.organization.placement)).toMatchObject({ documents: 5 });
      expect(uniqueClaims.held()['org:acme_two']).toBe(org._id.toHexString());
    });

    it('deletes only its own documents from the shared collection, and counts only those', async () => {
      const { lifecycle, tenants, org } = await created('shared');
      const other = await lifecycle.create({ ...newOrg('Beta', 'beta', 'shared'), owner: { accountId: newObjectId() } });
      tenants.put(org._id, org.placement, 5);
      tenants.put(other._id, other.placement, 3);

      expect(await lifecycle.delete(org)).toBe(5);

      expect([...tenants.collections]).toEqual([[inTenantDb('shared_records'), 3]]);
      expect(await tenants.stats(other._id, other.placement)).toMatchObject({ documents: 3 });
    });

    it("drops a database-mode organization's whole database", async () => {
      const { lifecycle, tenants, org } = await created('database');
      tenants.put(org._id, org.placement, 6);
      // Anything else in that database is the organization's too.
      tenants.collections.set(namespaceOf({ ...org.placement, collection: 'leftover' }), 1);

      expect(await lifecycle.delete(org)).toBe(6);
      expect(tenants.collections.size).toBe(0);
    });

    it('refuses a rename or a delete while a move of its data is under way, and keeps its data and claims', async () => {
      const { lifecycle, org, organizations, tenants, uniqueClaims, by } = await created();
      tenants.put(org._id, org.placement, 2);
      const moving = await organizations.beginMove(org, {
        id: newObjectId(),
        phase: MovePhase.Copying,
        to: placed('shared', org._id, 'acme'),
      });
      expect(moving).toMatchObject({ lifecycle_epoch: org.lifecycle_epoch, move: { phase: MovePhase.Copying } });

      await expect(lifecycle.rename(moving!, { name: 'Acme Two', slug: 'acme_two' }, by)).rejects.toBeInstanceOf(OrganizationBusyError);
      await expect(lifecycle.delete(moving!)).rejects.toBeInstanceOf(OrganizationBusyError);

      expect(await organizations.findById(org._id)).toMatchObject({ status: OrganizationStatus.Active, placement: org.placement });
      expect(uniqueClaims.held()['org:acme_two']).toBeUndefined();
      expect([...tenants.collections]).toEqual([[inTenantDb('org_acme'), 2]]);
    });

    it('rolls a delete forward through what an interrupted move left at its target, not counting the copies', async () => {
      const { lifecycle, org, organizations, tenants } = await created();
      const target = placed('database', org._id, 'acme');
      tenants.put(org._id, org.placement, 4);
      tenants.put(org._id, target, 4);
      // As a crash could leave it: deleting, with the move's target still recorded.
      const stored = organizations.documents.get(org._id.toHexString())!;
      Object.assign(stored, {
        status: OrganizationStatus.Deleting,
        move: { id: newObjectId(), phase: MovePhase.CatchingUp, to: target },
        operation: { kind: 'delete', lease_until: new Date(Date.now() - 1000) },
      });

      expect(await lifecycle.completeDelete((await organizations.findById(org._id))!)).toBe(4);
      expect(tenants.collections.size).toBe(0);
      expect(organizations.documents.size).toBe(0);
    });
  });

  describe('abandoning a create', () => {
    /** A create left in provisioning by a crash, with a stale lease. */
    async function staleCreate(stores: ReturnType<typeof inMemoryLifecycle>, owner?: { _id: ObjectId; email: string }) {
      const { organizations, uniqueClaims, tenants, accounts, memberships } = stores;
      const orgId = newObjectId();
      const placement = placed('collection', orgId, 'acme');
      const leaseUntil = new Date(Date.now() - 1000);
      await uniqueClaims.claim('org', 'acme', orgId);
      await organizations.insertProvisioning({
        _id: orgId,
        name: 'Acme',
        slug: 'acme',
        placement,
        lease_until: leaseUntil,
        ...(owner ? { new_account: owner } : {}),
      });
      if (owner) {
        expect(await accounts.register({ ...owner, password_hash: HASH })).toBe(true);
        await memberships.join({ _id: newObjectId(), org_id: orgId, account_id: owner._id, role: MemberRole.Owner });
      }
      await tenants.provision(placement);
      return { orgId, leaseUntil };
    }

    it('rolls back a stale create only while its lease is the one read', async () => {
      const stores = inMemoryLifecycle();
      const { lifecycle, organizations, uniqueClaims, tenants } = stores;
      const { orgId, leaseUntil } = await staleCreate(stores);

      await lifecycle.abandonCreate(orgId, new Date(leaseUntil.getTime() + 1));
      expect(organizations.documents.size).toBe(1);

      await lifecycle.abandonCreate(orgId, leaseUntil);
      expect(organizations.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
      expect(tenants.collections.size).toBe(0);
    });

    it('removes the account the create registered, with its email claim and membership', async () => {
      const stores = inMemoryLifecycle();
      const { lifecycle, organizations, uniqueClaims, accountDocuments, membershipDocuments } = stores;
      const owner = { _id: newObjectId(), email: EMAIL };
      const { orgId, leaseUntil } = await staleCreate(stores, owner);

      await lifecycle.abandonCreate(orgId, leaseUntil);
      expect(organizations.documents.size).toBe(0);
      expect(accountDocuments.documents.size).toBe(0);
      expect(membershipDocuments.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
    });

    it('keeps the account the create registered when it joined another organization meanwhile', async () => {
      const stores = inMemoryLifecycle();
      const { lifecycle, memberships, uniqueClaims, accountDocuments } = stores;
      const owner = { _id: newObjectId(), email: EMAIL };
      const { orgId, leaseUntil } = await staleCreate(stores, owner);
      const elsewhere = newObjectId();
      await memberships.join({ _id: newObjectId(), org_id: elsewhere, account_id: owner._id, role: MemberRole.Member });

      await lifecycle.abandonCreate(orgId, leaseUntil);
      expect(accountDocuments.documents.get(owner._id.toHexString())).toMatchObject({ email: EMAIL });
      expect(await memberships.orgIdsOf(owner._id)).toEqual([elsewhere]);
      expect(uniqueClaims.held()).toEqual({ [`email:${EMAIL}`]: owner._id.toHexString() });
    });
  });
});
