// Data written straight into the databases, in the shape the service itself writes, for the
// scenarios that need thousands of organizations or documents (creating them over HTTP would
// spend the bench's time budget on argon2 hashes). Slugs, collection names and claim keys come
// from the service's own compiled code.
import mongoose from 'mongoose';
import { createHmac, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { ObjectId } = mongoose.mongo;
const BATCH = 1000;

export async function serviceNaming(distDir) {
  const load = (path) => import(pathToFileURL(join(distDir, path)).href);
  // The config module's DTO decorators need it, as in the service's entry point.
  await import('reflect-metadata');
  const [{ slugify }, { tenantCollectionName }, { claimKey }, { keyIdOf }] = await Promise.all([
    load('organizations/organization-name.js'),
    load('tenants/tenant-collection-name.js'),
    load('common/uniqueness/unique-claims.repository.js'),
    load('config/app-config.js'),
  ]);
  return { slugify, tenantCollectionName, claimKey, keyIdOf };
}

/**
 * Active organizations named `${prefix} 00000`..., each with its owner (an account and its
 * membership), its name and email claims
 * and its (empty) tenant collection. All owners share one password hash: the bench never logs
 * them in, it signs their tokens (see signToken).
 */
export async function seedOrganizations({ master, tenant, naming, prefix, count, passwordHash }) {
  const seeded = [];
  for (let start = 0; start < count; start += BATCH) {
    const organizations = [];
    const accounts = [];
    const memberships = [];
    const claims = [];
    const now = new Date();
    for (let i = start; i < Math.min(count, start + BATCH); i += 1) {
      const name = `${prefix} ${String(i).padStart(5, '0')}`;
      const slug = naming.slugify(name);
      const email = `${slug}@bench.example`;
      const orgId = new ObjectId();
      const memberId = new ObjectId();
      const collection = naming.tenantCollectionName(slug);
      organizations.push(organizationDocument({ _id: orgId, name, slug, mode: 'collection', tenant, collection, now }));
      accounts.push(accountDocument({ _id: memberId, email, passwordHash, now }));
      const membershipId = new ObjectId();
      memberships.push(ownerMembership({ _id: membershipId, orgId, accountId: memberId, now }));
      claims.push({ _id: naming.claimKey('org', slug), owner_id: orgId, claimed_at: now });
      claims.push({ _id: naming.claimKey('email', email), owner_id: memberId, claimed_at: now });
      seeded.push({
        name,
        slug,
        collection,
        orgId: orgId.toHexString(),
        memberId: memberId.toHexString(),
        membershipId: membershipId.toHexString(),
      });
    }
    await Promise.all([
      master.collection('organizations').insertMany(organizations, { ordered: false }),
      master.collection('accounts').insertMany(accounts, { ordered: false }),
      master.collection('memberships').insertMany(memberships, { ordered: false }),
      master.collection('unique_claims').insertMany(claims, { ordered: false }),
    ]);
  }
  await forEachLimited(seeded, 8, ({ collection }) => tenant.createCollection(collection));
  return seeded;
}

/** An active organization's document as the service writes it, its data placed in `mode` in `tenant`'s `collection` on the cluster `default`. */
function organizationDocument({ _id, name, slug, mode, tenant, collection, now }) {
  return {
    _id,
    name,
    slug,
    collection_name: collection,
    placement: { mode, cluster: 'default', database: tenant.databaseName, collection },
    move: null,
    status: 'active',
    lifecycle_epoch: 1,
    created_at: now,
    updated_at: now,
  };
}

const accountDocument = ({ _id, email, passwordHash, now }) => ({
  _id,
  email,
  password_hash: passwordHash,
  credential_version: 1,
  created_at: now,
  updated_at: now,
});

const ownerMembership = ({ _id, orgId, accountId, now }) => ({
  _id,
  org_id: orgId,
  account_id: accountId,
  role: 'owner',
  created_at: now,
  updated_at: now,
});

/**
 * `count` record documents (`{_id, org_id, data, created_at, updated_at}`, `org_id` the hex
 * `orgId` when given) in one tenant collection. Answers their number and the bytes the service's
 * quota ledger counts for them (each record's data as JSON).
 */
export async function insertRecords(tenant, collection, count, { orgId } = {}) {
  let bytes = 0;
  for (let start = 0; start < count; start += BATCH) {
    const now = new Date();
    const documents = [];
    for (let i = start; i < Math.min(count, start + BATCH); i += 1) {
      const data = { sku: `SKU-${i}`, qty: i % 17, tags: ['bench', `batch-${start / BATCH}`] };
      bytes += Buffer.byteLength(JSON.stringify(data));
      documents.push({ _id: new ObjectId(), ...(orgId ? { org_id: new ObjectId(orgId) } : {}), data, created_at: now, updated_at: now });
    }
    await tenant.collection(collection).insertMany(documents, { ordered: false });
  }
  return { documents: count, bytes };
}

/**
 * Starts the quota ledger of the organization `orgId` (hex) in `master` at `usage` ({documents,
 * bytes}), as the service stores it (the `<org id>:base` part of `tenant_usage`): what its
 * records use is then read from the ledger, not counted.
 */
export async function startUsageLedger(master, orgId, usage) {
  await master
    .collection('tenant_usage')
    .replaceOne(
      { _id: `${orgId}:base` },
      { org_id: new ObjectId(orgId), documents: usage.documents, bytes: usage.bytes },
      { upsert: true },
    );
}

/** The collection of the `shared` placement (src/tenants/placement.ts). */
const SHARED_COLLECTION = 'shared_records';
const PLACED_BATCH = 5000;

/**
 * `count` active organizations named `${prefix} <i>` written straight into `master` as the service
 * writes them, placed in `mode` on the cluster `default` in the `tenant` database: `shared`, all in
 * its shared collection (created with its index), or `collection`, each in its own, created. With
 * `withRecords`, each gets one record where its placement says. The organizations `i` for which
 * `owned(i)` is true also get an owner (an account, password hash `x`, and its membership): answered
 * as `{orgId, memberId, membershipId, record}` (hex; `record` with `withRecords`), for signToken.
 * No name claims: what is measured with them never looks an organization up by name.
 * `progress(seeded)` is called after each batch of 5,000.
 */
export async function seedPlacedOrganizations({ master, tenant, naming, count, mode, prefix, owned, withRecords = true, progress }) {
  if (mode === 'shared') await tenant.collection(SHARED_COLLECTION).createIndex({ org_id: 1, _id: 1 }, { name: 'org_id_1__id_1' });
  const owners = [];
  for (let start = 0; start < count; start += PLACED_BATCH) {
    const organizations = [];
    /** Each organization's collection, and its record with `withRecords`. */
    const placed = [];
    const accounts = [];
    const memberships = [];
    const now = new Date();
    for (let i = start; i < Math.min(count, start + PLACED_BATCH); i += 1) {
      const name = `${prefix} ${i}`;
      const slug = naming.slugify(name);
      const orgId = new ObjectId();
      const collection = mode === 'shared' ? SHARED_COLLECTION : naming.tenantCollectionName(slug);
      organizations.push(organizationDocument({ _id: orgId, name, slug, mode, tenant, collection, now }));
      const record = withRecords ? { _id: new ObjectId(), org_id: orgId, data: { i }, created_at: now, updated_at: now } : undefined;
      placed.push({ collection, record });
      if (owned(i)) {
        const accountId = new ObjectId();
        const membershipId = new ObjectId();
        accounts.push(accountDocument({ _id: accountId, email: `${accountId}@bench.example`, passwordHash: 'x', now }));
        memberships.push(ownerMembership({ _id: membershipId, orgId, accountId, now }));
        owners.push({
          orgId: orgId.toHexString(),
          memberId: accountId.toHexString(),
          membershipId: membershipId.toHexString(),
          ...(record ? { record: record._id.toHexString() } : {}),
        });
      }
    }
    await master.collection('organizations').insertMany(organizations, { ordered: false });
    if (accounts.length > 0) {
      await master.collection('accounts').insertMany(accounts, { ordered: false });
      await master.collection('memberships').insertMany(memberships, { ordered: false });
    }
    if (mode !== 'shared') {
      await forEachLimited(placed, 8, async ({ collection, record }) => {
        await tenant.createCollection(collection);
        if (record) await tenant.collection(collection).insertOne(record);
      });
    } else if (withRecords) {
      await tenant.collection(SHARED_COLLECTION).insertMany(
        placed.map(({ record }) => record),
        { ordered: false },
      );
    }
    progress?.(Math.min(count, start + PLACED_BATCH));
  }
  return owners;
}

/** An HS256 token with the header and claims the service issues, signed with the secret the bench gave it. */
export function signToken({ naming, secret, issuer, audience, memberId, orgId, membershipId, credentialVersion = 1, ttlSeconds = 3600 }) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    sub: memberId,
    org_id: orgId,
    mid: membershipId,
    cv: credentialVersion,
    jti: randomUUID(),
    iat,
    exp: iat + ttlSeconds,
    iss: issuer,
    aud: audience,
  };
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT', kid: naming.keyIdOf(secret) })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function forEachLimited(items, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One more member of an existing organization (a new account and its membership), with its email claim, as the service stores them. */
export async function seedMember({ master, naming, orgId, email, role, passwordHash }) {
  const memberId = new ObjectId();
  const now = new Date();
  await master
    .collection('accounts')
    .insertOne({ _id: memberId, email, password_hash: passwordHash, credential_version: 1, created_at: now, updated_at: now });
  const membershipId = new ObjectId();
  await master
    .collection('memberships')
    .insertOne({ _id: membershipId, org_id: new ObjectId(orgId), account_id: memberId, role, created_at: now, updated_at: now });
  await master.collection('unique_claims').insertOne({ _id: naming.claimKey('email', email), owner_id: memberId, claimed_at: now });
  return { memberId: memberId.toHexString(), membershipId: membershipId.toHexString() };
}
