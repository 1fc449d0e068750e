import { InsufficientRoleError } from '../common/access/access.errors.js';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { newObjectId, toObjectId } from '../common/database/object-id.js';
import { standIn, TEST_CONFIG } from '../common/testing/common.fakes.js';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { InMemoryOutboxEvents } from '../audit/testing/audit.fakes.js';
import { OrganizationCleanup } from '../organizations/lifecycle/organization-cleanup.js';
import { TEST_ORIGIN } from '../organizations/testing/organizations.fakes.js';
import { InMemoryAuditEvents } from '../audit/testing/audit.fakes.js';
import { memberCaller } from '../common/testing/callers.fakes.js';
import { apiKeyOf, hashApiKey } from './api-key-format.js';
import { ApiKeyUsage } from './api-key-usage.service.js';
import { ApiKeyNotFoundError, ApiKeyOwnerRoleError } from './api-keys.errors.js';
import { ApiKeysService } from './api-keys.service.js';
import { InMemoryApiKeys } from './testing/api-keys.fakes.js';

/** An API key of the organization as the caller (its id is a stored key's, as the guard sets it). */
function apiKeyCaller(orgId: string, role: MemberRole): AuthenticatedMember {
  return { actor: { type: 'api_key', id: newObjectId().toHexString(), name: 'deploy' }, orgId, role, account: null };
}

function apiKeys() {
  const documents = new InMemoryApiKeys();
  const auditEvents = new InMemoryAuditEvents();
  const cleanup = new OrganizationCleanup();
  const usage = new ApiKeyUsage(standIn(documents), TEST_CONFIG);
  const service = new ApiKeysService(
    standIn(documents),
    usage,
    new AuditLogService(standIn(auditEvents), standIn(new InMemoryOutboxEvents())),
    cleanup,
  );
  service.onModuleInit();
  const orgId = newObjectId().toHexString();
  const admin = memberCaller({ accountId: newObjectId().toHexString(), email: 'admin@acme.test', orgId, role: MemberRole.Admin });
  return { service, documents, auditEvents, cleanup, usage, orgId, admin };
}

describe('API keys', () => {
  describe('apiKeyOf (how the guard tells a key from a token)', () => {
    it.each([
      ['Bearer oms_abc', 'oms_abc'],
      ['bearer oms_abc', 'oms_abc'],
      ['Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig', null],
      ['Bearer  oms_abc', null],
      ['Basic oms_abc', null],
      ['oms_abc', null],
    ])('%j -> %j', (header, key) => {
      expect(apiKeyOf(header)).toBe(key);
    });

    it('finds nothing without a header', () => {
      expect(apiKeyOf(undefined)).toBeNull();
    });
  });

  describe('create', () => {
    it('shows the key once, stores only its SHA-256, and records who created it', async () => {
      const { service, documents, auditEvents, admin } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Member, expires_in: 3600 }, TEST_ORIGIN);
      expect(created.key).toMatch(/^oms_[A-Za-z0-9_-]{43}$/);
      expect(created).toMatchObject({ name: 'CI', role: 'member', created_by: admin.actor.id, last_used_at: null });
      expect(created.expires_at!.getTime() - created.created_at.getTime()).toBe(3_600_000);
      const [stored] = documents.documents.values();
      expect(stored.key_hash).toBe(hashApiKey(created.key));
      expect(JSON.stringify(stored)).not.toContain(created.key.slice(4));
      const [event] = auditEvents.ofAction(AuditAction.ApiKeyCreated);
      expect(event).toMatchObject({ actor: admin.actor, target: { type: 'api_key', id: created.id, name: 'CI' } });
      expect(JSON.stringify(event)).not.toContain(created.key.slice(4));
      expect(JSON.stringify(event)).not.toContain(stored.key_hash);
    });

    it('gives a key without expires_in no expiry', async () => {
      const { service, admin } = apiKeys();
      expect((await service.create(admin, { name: 'CI', role: MemberRole.Viewer }, TEST_ORIGIN)).expires_at).toBeNull();
    });

    it('refuses owner, and a role above the caller’s own', async () => {
      const { service, documents, admin, orgId } = apiKeys();
      await expect(service.create(admin, { name: 'CI', role: MemberRole.Owner }, TEST_ORIGIN)).rejects.toBeInstanceOf(ApiKeyOwnerRoleError);
      const memberKey = apiKeyCaller(orgId, MemberRole.Member);
      await expect(service.create(memberKey, { name: 'CI', role: MemberRole.Admin }, TEST_ORIGIN)).rejects.toThrow(
        new InsufficientRoleError(MemberRole.Admin),
      );
      expect(documents.documents.size).toBe(0);
    });
  });

  describe('authenticate', () => {
    it('acts as the key in its organization with its role, without an account', async () => {
      const { service, admin, orgId } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Member }, TEST_ORIGIN);
      expect(await service.authenticate(created.key)).toEqual({
        actor: { type: 'api_key', id: created.id, name: 'CI' },
        orgId,
        role: MemberRole.Member,
        account: null,
      });
    });

    it('reads a key once per staleness bound, a hit or a miss', async () => {
      const { service, documents, admin } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Member }, TEST_ORIGIN);
      for (let i = 0; i < 5; i += 1) expect(await service.authenticate(created.key)).not.toBeNull();
      expect(documents.hashReads).toBe(1);
      const unknown = `oms_${'A'.repeat(43)}`;
      for (let i = 0; i < 5; i += 1) expect(await service.authenticate(unknown)).toBeNull();
      expect(documents.hashReads).toBe(2);
    });

    it('refuses a malformed key without a read', async () => {
      const { service, documents } = apiKeys();
      for (const key of ['oms_', 'oms_short', `oms_${'A'.repeat(44)}`, `OMS_${'A'.repeat(43)}`, `oms_${'A'.repeat(42)}=`]) {
        expect(await service.authenticate(key)).toBeNull();
      }
      expect(documents.hashReads).toBe(0);
    });

    it('refuses a remembered key once it has expired, without a read', async () => {
      const { service, documents, admin } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Member, expires_in: 60 }, TEST_ORIGIN);
      documents.documents.get(created.id)!.expires_at = new Date(Date.now() + 30);
      expect(await service.authenticate(created.key)).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(await service.authenticate(created.key)).toBeNull();
      expect(documents.hashReads).toBe(1);
    });

    it('refuses a revoked key at once on the instance that revoked it', async () => {
      const { service, auditEvents, admin } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Member }, TEST_ORIGIN);
      expect(await service.authenticate(created.key)).not.toBeNull();
      await service.revoke(admin, created.id, TEST_ORIGIN);
      expect(await service.authenticate(created.key)).toBeNull();
      expect(auditEvents.ofAction(AuditAction.ApiKeyRevoked)).toEqual([
        expect.objectContaining({ actor: admin.actor, target: { type: 'api_key', id: created.id, name: 'CI' } }),
      ]);
    });

    it('refuses every key of a deleted organization at once, and keeps the others’', async () => {
      const { service, cleanup, admin, orgId } = apiKeys();
      const other = apiKeyCaller(newObjectId().toHexString(), MemberRole.Admin);
      const mine = await service.create(admin, { name: 'CI', role: MemberRole.Member }, TEST_ORIGIN);
      const theirs = await service.create(other, { name: 'CI', role: MemberRole.Member }, TEST_ORIGIN);
      expect(await service.authenticate(mine.key)).not.toBeNull();
      await cleanup.deleteAll(toObjectId(orgId));
      expect(await service.authenticate(mine.key)).toBeNull();
      expect(await service.authenticate(theirs.key)).toMatchObject({ orgId: other.orgId });
    });
  });

  describe('revoke', () => {
    it('answers 404 for another organization’s key, an unknown id and a second revoke', async () => {
      const { service, documents, admin } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Member }, TEST_ORIGIN);
      const stranger = apiKeyCaller(newObjectId().toHexString(), MemberRole.Admin);
      await expect(service.revoke(stranger, created.id, TEST_ORIGIN)).rejects.toBeInstanceOf(ApiKeyNotFoundError);
      expect(documents.documents.size).toBe(1);
      await expect(service.revoke(admin, newObjectId().toHexString(), TEST_ORIGIN)).rejects.toBeInstanceOf(ApiKeyNotFoundError);
      await service.revoke(admin, created.id, TEST_ORIGIN);
      await expect(service.revoke(admin, created.id, TEST_ORIGIN)).rejects.toBeInstanceOf(ApiKeyNotFoundError);
    });
  });

  describe('list', () => {
    it('pages the organization’s keys in creation order, without the keys', async () => {
      const { service, admin } = apiKeys();
      const names = ['a', 'b', 'c'];
      for (const name of names) await service.create(admin, { name, role: MemberRole.Viewer }, TEST_ORIGIN);
      await service.create(
        apiKeyCaller(newObjectId().toHexString(), MemberRole.Admin),
        { name: 'other', role: MemberRole.Viewer },
        TEST_ORIGIN,
      );
      const first = await service.list(admin, { limit: 2 });
      expect(first.items.map((item) => item.name)).toEqual(['a', 'b']);
      const second = await service.list(admin, { limit: 2, cursor: first.next_cursor! });
      expect(second).toMatchObject({ items: [{ name: 'c' }], next_cursor: null });
      expect(JSON.stringify([first, second])).not.toMatch(/oms_|key_hash/);
    });
  });

  describe('last use', () => {
    it('writes each key used since the last flush once, with its latest use', async () => {
      const { service, documents, usage, admin } = apiKeys();
      const one = await service.create(admin, { name: 'one', role: MemberRole.Viewer }, TEST_ORIGIN);
      const two = await service.create(admin, { name: 'two', role: MemberRole.Viewer }, TEST_ORIGIN);
      for (let i = 0; i < 3; i += 1) await service.authenticate(one.key);
      await service.authenticate(two.key);
      const beforeFlush = new Date();
      await usage.flush();
      expect(documents.useWrites).toHaveLength(1);
      expect(Object.keys(documents.useWrites[0]).sort()).toEqual([one.id, two.id].sort());
      expect(documents.documents.get(one.id)!.last_used_at!.getTime()).toBeLessThanOrEqual(beforeFlush.getTime());
      await usage.flush();
      expect(documents.useWrites).toHaveLength(1);
    });

    it('keeps the uses of a failed flush for the next one', async () => {
      const { service, documents, usage, admin } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Viewer }, TEST_ORIGIN);
      await service.authenticate(created.key);
      documents.failNextUseWrite = true;
      await usage.flush();
      expect(documents.documents.get(created.id)!.last_used_at).toBeNull();
      await usage.flush();
      expect(documents.documents.get(created.id)!.last_used_at).toBeInstanceOf(Date);
    });

    it('flushes at shutdown', async () => {
      const { service, documents, usage, admin } = apiKeys();
      const created = await service.create(admin, { name: 'CI', role: MemberRole.Viewer }, TEST_ORIGIN);
      usage.onApplicationBootstrap();
      await service.authenticate(created.key);
      await usage.onApplicationShutdown();
      expect(documents.documents.get(created.id)!.last_used_at).toBeInstanceOf(Date);
    });
  });
});
