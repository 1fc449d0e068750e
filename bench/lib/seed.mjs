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
      organizations.push({
        _id: orgId,
        name,
        slug,
        collection_name: collection,
        placement: { mode: 'collection', cluster: 'default', database: tenant.databaseName, collection },
        move: null,
        status: 'active',
        lifecycle_epoch: 1,
        created_at: now,
        updated_at: now,
      });
      accounts.push({ _id: memberId, email, password_hash: passwordHash, credential_version: 1, created_at: now, updated_at: now });
      const membershipId = new ObjectId();
      memberships.push({ _id: membershipId, org_id: orgId, account_id: memberId, role: 'owner', created_at: now, updated_at: now });
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

/** `count` record documents (`{_id, data, created_at, updated_at}`) in one tenant collection. */
export async function insertRecords(tenant, collection, count) {
  for (let start = 0; start < count; start += BATCH) {
    const now = new Date();
    const documents = [];
    for (let i = start; i < Math.min(count, start + BATCH); i += 1) {
      documents.push({
        _id: new ObjectId(),
        data: { sku: `SKU-${i}`, qty: i % 17, tags: ['bench', `batch-${start / BATCH}`] },
        created_at: now,
        updated_at: now,
      });
    }
    await tenant.collection(collection).insertMany(documents, { ordered: false });
  }
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
