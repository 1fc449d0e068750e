import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { CROSS_INSTANCE_STALENESS_MS } from '../../src/common/cache/expiring-cache.js';
import { AppConfig } from '../../src/config/app-config.js';
import { monitoredUri, QUIET_BACKGROUND, recordCommands } from '../support/database-commands.js';
import { expectError } from '../support/expect-error.js';
import { waitFor } from '../support/lifecycle-state.js';
import { untilStatus } from '../support/polling.js';
import { createTeam, type Role, type Team, uniqueEmail } from '../support/members.js';
import { createOrgWithToken, type OrgWithToken, type Session, useTestApp } from '../support/session.js';
import { startTestApp, testEnvironment, uniqueOrg } from '../support/test-app.js';

const KEY_FORMAT = /^oms_[A-Za-z0-9_-]{43}$/;

interface CreatedKey {
  id: string;
  name: string;
  role: Role;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  key: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A key of the right form that was never issued. */
const unknownKey = () => `oms_${randomBytes(32).toString('base64url')}`;

describe('API keys (e2e)', () => {
  // Command events on, to count what checking a key costs; the default flush interval (60 s) keeps
  // this instance's usage writes out of the suite's way until it stops.
  const t = useTestApp({ MONGODB_URI: monitoredUri(), ...QUIET_BACKGROUND });
  /** Another instance on the same databases, as behind a load balancer, flushing uses every second. */
  const second = useTestApp({ API_KEY_USAGE_FLUSH_SECONDS: '1' }, { onDatabasesOf: t });
  let team: Team;
  let other: OrgWithToken;

  const storedKeys = (orgId: string) =>
    t.db.master
      .collection('api_keys')
      .find({ org_id: new Types.ObjectId(orgId) })
      .toArray();
  const storedKey = (id: string) => t.db.master.collection('api_keys').findOne({ _id: new Types.ObjectId(id) });

  async function createKey(s: Session, token: string, body: { name?: string; role: Role; expires_in?: number }): Promise<CreatedKey> {
    const res = await s
      .withToken(token)
      .post('/org/api-keys')
      .send({ name: 'deploy bot', ...body });
    if (res.status !== 201) throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as CreatedKey;
  }

  beforeAll(async () => {
    team = await createTeam(t);
    other = await createOrgWithToken(t);
  });

  describe('creating', () => {
    it('shows the key once and stores only its SHA-256', async () => {
      const before = Date.now();
      const created = await createKey(t, team.byRole.admin.token, { name: 'CI deploy pipeline', role: 'member', expires_in: 3600 });
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        name: 'CI deploy pipeline',
        role: 'member',
        created_by: team.byRole.admin.id,
        created_at: expect.any(String),
        expires_at: expect.any(String),
        last_used_at: null,
        key: expect.stringMatching(KEY_FORMAT),
      });
      expect(created.key).toHaveLength(47);
      expect(Date.parse(created.expires_at!) - Date.parse(created.created_at)).toBe(3_600_000);
      expect(Date.parse(created.created_at)).toBeGreaterThanOrEqual(before - 1000);

      const stored = await storedKey(created.id);
      expect(stored).toMatchObject({
        org_id: new Types.ObjectId(team.org.org.id as string),
        role: 'member',
        key_hash: sha256(created.key),
      });
      const text = JSON.stringify(await t.db.master.collection('api_keys').find().toArray());
      expect(text).not.toContain(created.key);
      expect(text).not.toContain(created.key.slice(4));

      // Not shown again: the list has no key, nor its hash.
      const list = await t.withToken(team.byRole.admin.token).get('/org/api-keys?limit=100').expect(200);
      const listed = list.body.items.find((item: { id: string }) => item.id === created.id);
      expect(listed).toEqual({ ...created, key: undefined });
      expect(JSON.stringify(list.body)).not.toContain(created.key.slice(4));
      expect(JSON.stringify(list.body)).not.toContain(stored!.key_hash);
    });

    it('makes a key without expires_in that does not expire', async () => {
      const created = await createKey(t, team.byRole.owner.token, { role: 'viewer' });
      expect(created.expires_at).toBeNull();
      await t.withToken(created.key).get('/org/records').expect(200);
    });

    it('records api_key.created with the admin as actor, and never the key or its hash', async () => {
      const created = await createKey(t, team.byRole.admin.token, { name: 'audited', role: 'viewer' });
      const audit = await t.withToken(team.byRole.owner.token).get('/org/audit?action=api_key.created&limit=100').expect(200);
      const event = audit.body.items.find((item: { target: { id: string } }) => item.target.id === created.id);
      expect(event).toMatchObject({
        action: 'api_key.created',
        actor: { type: 'account', id: team.byRole.admin.id, email: team.byRole.admin.email },
        target: { type: 'api_key', id: created.id, name: 'audited' },
        details: { role: 'viewer' },
      });
      const everything = JSON.stringify(await t.db.master.collection('audit_events').find().toArray());
      expect(everything).not.toContain(created.key.slice(4));
      expect(everything).not.toContain(sha256(created.key));
    });

    it.each([
      ['a member', 'member'],
      ['a viewer', 'viewer'],
    ] as const)('refuses %s (403 Requires role admin)', async (_label, role) => {
      const before = await storedKeys(team.org.org.id as string);
      expectError(
        await t.withToken(team.byRole[role].token).post('/org/api-keys').send({ name: 'x', role: 'viewer' }),
        403,
        'Requires role admin',
      );
      expectError(await t.withToken(team.byRole[role].token).get('/org/api-keys'), 403, 'Requires role admin');
      expect(await storedKeys(team.org.org.id as string)).toHaveLength(before.length);
    });

    it('refuses the owner role, even to an owner (403)', async () => {
      for (const token of [team.byRole.owner.token, team.byRole.admin.token]) {
        expectError(await t.withToken(token).post('/org/api-keys').send({ name: 'root', role: 'owner' }), 403, /owner role/);
      }
    });

    it('lets an admin key create keys up to admin, and a member key none', async () => {
      const adminKey = await createKey(t, team.byRole.admin.token, { role: 'admin' });
      const made = await createKey(t, adminKey.key, { role: 'admin' });
      expect(made.created_by).toBe(adminKey.id);
      expectError(await t.withToken(adminKey.key).post('/org/api-keys').send({ name: 'x', role: 'owner' }), 403, /owner role/);
      const memberKey = await createKey(t, team.byRole.admin.token, { role: 'member' });
      expectError(await t.withToken(memberKey.key).post('/org/api-keys').send({ name: 'x', role: 'viewer' }), 403, 'Requires role admin');
    });

    it.each([
      ['no name', { role: 'viewer' }, /name/],
      ['a blank name', { name: '   ', role: 'viewer' }, 'name must not be empty'],
      ['a name over 100 characters', { name: 'n'.repeat(101), role: 'viewer' }, /name/],
      ['an unknown role', { name: 'x', role: 'root' }, 'role must be one of viewer, member, admin'],
      ['expires_in under a minute', { name: 'x', role: 'viewer', expires_in: 59 }, 'expires_in must be at least 60 seconds'],
      ['expires_in over five years', { name: 'x', role: 'viewer', expires_in: 157_680_001 }, /expires_in must be at most/],
      ['expires_in as a string', { name: 'x', role: 'viewer', expires_in: '3600' }, /expires_in/],
      ['expires_in null', { name: 'x', role: 'viewer', expires_in: null }, /expires_in/],
      ['an unknown field', { name: 'x', role: 'viewer', key: 'oms_mine' }, 'property key should not exist'],
      ['an operator object', { name: { $ne: null }, role: 'viewer' }, /name/],
    ])('refuses %s (400)', async (_label, body, message) => {
      expectError(await t.withToken(team.byRole.admin.token).post('/org/api-keys').send(body), 400, message);
    });
  });

  describe('listing', () => {
    it('pages the organization’s own keys in creation order', async () => {
      const org = await createOrgWithToken(t);
      const keys = [];
      for (const name of ['one', 'two', 'three']) keys.push(await createKey(t, org.token, { name, role: 'viewer' }));
      await createKey(t, other.token, { name: 'elsewhere', role: 'viewer' });
      const first = await t.withToken(org.token).get('/org/api-keys?limit=2').expect(200);
      expect(first.body.items.map((item: { name: string }) => item.name)).toEqual(['one', 'two']);
      const second = await t.withToken(org.token).get(`/org/api-keys?limit=2&cursor=${first.body.next_cursor}`).expect(200);
      expect(second.body).toEqual({ items: [expect.objectContaining({ id: keys[2].id, name: 'three' })], next_cursor: null });
      expectError(await t.withToken(org.token).get('/org/api-keys?cursor=nope'), 400);
    });
  });

  describe('authenticating', () => {
    it('acts with its role: a viewer key reads records but may not write them', async () => {
      const viewer = await createKey(t, team.byRole.admin.token, { role: 'viewer' });
      const member = await createKey(t, team.byRole.admin.token, { role: 'member' });
      const record = await t.withToken(member.key).post('/org/records').send({ sku: 'K-1' }).expect(201);
      expect((await t.withToken(viewer.key).get(`/org/records/${record.body.id}`).expect(200)).body.data).toEqual({ sku: 'K-1' });
      await t.withToken(viewer.key).get('/org/records').expect(200);
      await t.withToken(viewer.key).get('/org/collection/stats').expect(200);
      await t.withToken(viewer.key).get('/org/members').expect(200);
      expectError(await t.withToken(viewer.key).post('/org/records').send({ sku: 'K-2' }), 403, 'Requires role member');
      expectError(await t.withToken(member.key).get('/org/invitations'), 403, 'Requires role admin');
      expectError(await t.withToken(member.key).get('/org/audit'), 403, 'Requires role admin');
    });

    it('an admin key invites, and the audit log names the key as actor', async () => {
      const admin = await createKey(t, team.byRole.admin.token, { name: 'provisioner', role: 'admin' });
      const invitation = await t
        .withToken(admin.key)
        .post('/org/invitations')
        .send({ email: uniqueEmail('bot'), role: 'member' })
        .expect(201);
      const audit = await t.withToken(admin.key).get('/org/audit?action=invitation.created&limit=100').expect(200);
      expect(audit.body.items.find((item: { target: { id: string } }) => item.target.id === invitation.body.id)).toMatchObject({
        actor: { type: 'api_key', id: admin.id, name: 'provisioner' },
      });
      expectError(
        await t.withToken(admin.key).delete('/org/delete').query({ organization_name: team.org.input.organization_name }),
        403,
        'Requires role owner',
      );
      expectError(await t.withToken(admin.key).get('/org/members/me'), 404);
    });

    it('refuses routes about a person’s own account (403), and creating organizations or accepting invitations', async () => {
      const admin = await createKey(t, team.byRole.admin.token, { role: 'admin' });
      const key = t.withToken(admin.key);
      for (const res of [
        await key.get('/me'),
        await key.patch('/me').send({ password: 'another-Strong-passphrase-9' }),
        await key.delete('/me'),
        await key.get('/me/organizations'),
        await key.post('/admin/switch').send({ organization_id: team.org.org.id }),
        await key.post('/admin/logout'),
        await key.post('/admin/logout/all'),
        await key.put('/org/update').send({ password: 'another-Strong-passphrase-9' }),
        await key.put('/org/update').send({ email: uniqueEmail('key') }),
        await key.post('/org/create').send({ organization_name: uniqueOrg('ByKey').organization_name }),
        await key.post('/invitations/accept').send({ invitation_token: randomBytes(32).toString('base64url') }),
      ]) {
        expectError(res, 403, "This route is for a person's own account; API keys cannot use it");
      }
      // Nothing happened: the key still works, and no organization was created by it.
      await key.get('/org/records').expect(200);
    });

    it('refuses an unknown key with 401 everywhere, also where a token is optional', async () => {
      const key = t.withToken(unknownKey());
      expectError(await key.get('/org/records'), 401, 'Invalid or expired token');
      expectError(await key.get('/me'), 401, 'Invalid or expired token');
      expectError(await key.post('/org/create').send({ organization_name: uniqueOrg('Nope').organization_name }), 401);
      const malformed = await t.http().get('/org/records').set('Authorization', 'Bearer oms_not-a-key');
      expectError(malformed, 401, 'Invalid or expired token');
      expect(malformed.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    });

    it('costs at most one database read, cached, and no write per request', async () => {
      const created = await createKey(t, team.byRole.admin.token, { role: 'viewer' });
      const cold = await recordCommands(t.app, () => t.withToken(created.key).get('/org/members').expect(200));
      expect(cold.reads.filter((read) => read.endsWith(' api_keys'))).toEqual(['find api_keys']);
      const warm = await recordCommands(t.app, async () => {
        for (let i = 0; i < 5; i += 1) await t.withToken(created.key).get('/org/members').expect(200);
      });
      // Within the staleness bound the key is not read again (a slow machine may cross it once).
      expect(warm.reads.filter((read) => read.endsWith(' api_keys')).length).toBeLessThanOrEqual(1);
      expect([...cold.writes, ...warm.writes].filter((write) => write.endsWith(' api_keys'))).toEqual([]);

      const unknown = unknownKey();
      const misses = await recordCommands(t.app, async () => {
        for (let i = 0; i < 5; i += 1) expectError(await t.withToken(unknown).get('/org/members'), 401);
      });
      expect(misses.reads.filter((read) => read.endsWith(' api_keys')).length).toBeLessThanOrEqual(2);
    });

    it('refuses an expired key (401) once its expiry passes, also while it is cached', async () => {
      const created = await createKey(t, team.byRole.admin.token, { role: 'viewer', expires_in: 60 });
      const expiresAt = new Date(Date.now() + 1500);
      await t.db.master.collection('api_keys').updateOne({ _id: new Types.ObjectId(created.id) }, { $set: { expires_at: expiresAt } });
      await t.withToken(created.key).get('/org/records').expect(200);
      await untilStatus(() => t.withToken(created.key).get('/org/records'), 401, 1500 + 2000);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());

      const past = await createKey(t, team.byRole.admin.token, { role: 'viewer', expires_in: 60 });
      await t.db.master
        .collection('api_keys')
        .updateOne({ _id: new Types.ObjectId(past.id) }, { $set: { expires_at: new Date(Date.now() - 1000) } });
      expectError(await t.withToken(past.key).get('/org/records'), 401, 'Invalid or expired token');
    });
  });

  describe('revoking', () => {
    it('answers 204, and the key gets 401 from the next request; a second revoke is 404', async () => {
      const created = await createKey(t, team.byRole.admin.token, { name: 'short-lived', role: 'member' });
      await t.withToken(created.key).get('/org/records').expect(200);
      await t.withToken(team.byRole.admin.token).delete(`/org/api-keys/${created.id}`).expect(204);
      expectError(await t.withToken(created.key).get('/org/records'), 401, 'Invalid or expired token');
      expect(await storedKey(created.id)).toBeNull();
      expectError(await t.withToken(team.byRole.admin.token).delete(`/org/api-keys/${created.id}`), 404, 'API key not found');
      expectError(await t.withToken(team.byRole.admin.token).delete('/org/api-keys/not-an-id'), 400);

      const audit = await t.withToken(team.byRole.owner.token).get('/org/audit?action=api_key.revoked&limit=100').expect(200);
      expect(audit.body.items.find((item: { target: { id: string } }) => item.target.id === created.id)).toMatchObject({
        actor: { type: 'account', id: team.byRole.admin.id },
        target: { type: 'api_key', id: created.id, name: 'short-lived' },
      });
    });

    it('reaches another instance within the staleness bound', async () => {
      const created = await createKey(t, team.byRole.admin.token, { role: 'viewer' });
      // Warm on the second instance, so that it answers from its cache.
      await second.withToken(created.key).get('/org/records').expect(200);
      await second.withToken(created.key).get('/org/records').expect(200);
      await t.withToken(team.byRole.admin.token).delete(`/org/api-keys/${created.id}`).expect(204);
      const took = await untilStatus(() => second.withToken(created.key).get('/org/records'), 401, CROSS_INSTANCE_STALENESS_MS + 2000);
      expect(took).toBeLessThanOrEqual(CROSS_INSTANCE_STALENESS_MS + 500);
    });
  });

  describe('across organizations', () => {
    it('a key of one organization never reads or changes another’s', async () => {
      const mine = await createKey(t, team.byRole.admin.token, { role: 'admin' });
      const theirs = await createKey(t, other.token, { name: 'theirs', role: 'admin' });
      const theirRecord = await t.withToken(other.token).post('/org/records').send({ secret: 'of other' }).expect(201);

      expectError(await t.withToken(mine.key).get(`/org/records/${theirRecord.body.id}`), 404);
      expectError(await t.withToken(mine.key).put(`/org/records/${theirRecord.body.id}`).send({ changed: true }), 404);
      expectError(await t.withToken(mine.key).delete(`/org/records/${theirRecord.body.id}`), 404);
      expectError(await t.withToken(mine.key).delete(`/org/api-keys/${theirs.id}`), 404, 'API key not found');
      expectError(await t.withToken(team.byRole.owner.token).delete(`/org/api-keys/${theirs.id}`), 404, 'API key not found');
      expectError(await t.withToken(mine.key).delete('/org/delete').query({ organization_name: other.input.organization_name }), 403);

      const listed = await t.withToken(mine.key).get('/org/api-keys?limit=100').expect(200);
      expect(listed.body.items.map((item: { id: string }) => item.id)).not.toContain(theirs.id);
      const records = await t.withToken(mine.key).get('/org/records?limit=100').expect(200);
      expect(JSON.stringify(records.body)).not.toContain('of other');

      // Theirs is untouched and still works.
      expect(await storedKey(theirs.id)).not.toBeNull();
      expect((await t.withToken(theirs.key).get(`/org/records/${theirRecord.body.id}`).expect(200)).body.data).toEqual({
        secret: 'of other',
      });
    });
  });

  describe('last use', () => {
    it('is written within the flush interval, without a write per request', async () => {
      const created = await createKey(t, team.byRole.admin.token, { role: 'viewer' });
      const before = new Date();
      for (let i = 0; i < 3; i += 1) await second.withToken(created.key).get('/org/records').expect(200);
      const after = new Date();
      const lastUsed = await waitFor(
        async () => ((await storedKey(created.id))?.last_used_at as Date | null) ?? undefined,
        () => 'last_used_at',
        second.config.apiKeyUsageFlushSeconds * 1000 + 3000,
      );
      expect(lastUsed.getTime()).toBeGreaterThanOrEqual(before.getTime() - 5);
      expect(lastUsed.getTime()).toBeLessThanOrEqual(after.getTime() + 5);
      const listed = await t.withToken(team.byRole.admin.token).get('/org/api-keys?limit=100').expect(200);
      expect(listed.body.items.find((item: { id: string }) => item.id === created.id).last_used_at).toBe(lastUsed.toISOString());
    });

    it('is written when an instance stops, before its next flush', async () => {
      const created = await createKey(t, team.byRole.admin.token, { role: 'viewer' });
      const config = AppConfig.fromEnvironment(
        testEnvironment({
          MASTER_DB_NAME: t.config.mongo.masterDbName,
          TENANT_DB_NAME: t.config.mongo.tenantDbName,
          API_KEY_USAGE_FLUSH_SECONDS: '60',
        }),
      );
      const stopping = await startTestApp(config);
      try {
        await stopping.http().get('/org/records').set('Authorization', `Bearer ${created.key}`).expect(200);
        expect((await storedKey(created.id))?.last_used_at).toBeNull();
      } finally {
        // The app only: its databases are the suite's.
        await stopping.app.close();
      }
      expect((await storedKey(created.id))?.last_used_at).toBeInstanceOf(Date);
    });
  });

  describe('deleting the organization', () => {
    it('removes its keys, which get 401 at once', async () => {
      const doomed = await createOrgWithToken(t);
      const keys = await Promise.all((['viewer', 'admin'] as const).map((role) => createKey(t, doomed.token, { role })));
      for (const { key } of keys) await t.withToken(key).get('/org/records').expect(200);
      expect(await storedKeys(doomed.org.id as string)).toHaveLength(2);
      await t.withToken(doomed.token).delete('/org/delete').query({ organization_name: doomed.input.organization_name }).expect(200);
      for (const { key } of keys) expectError(await t.withToken(key).get('/org/records'), 401, 'Invalid or expired token');
      expect(await storedKeys(doomed.org.id as string)).toEqual([]);
    });

    it('ends its keys on another instance within the staleness bound', async () => {
      const doomed = await createOrgWithToken(t);
      const created = await createKey(t, doomed.token, { role: 'viewer' });
      await second.withToken(created.key).get('/org/records').expect(200);
      await t.withToken(doomed.token).delete('/org/delete').query({ organization_name: doomed.input.organization_name }).expect(200);
      await untilStatus(() => second.withToken(created.key).get('/org/records'), 401, CROSS_INSTANCE_STALENESS_MS + 2000);
    });
  });
});
