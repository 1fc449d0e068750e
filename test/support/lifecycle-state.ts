import { Types } from 'mongoose';
import { tenantCollectionName } from '../../src/tenants/tenant-collection-name.js';
import { DirectDatabases } from './direct-db.js';

export interface StoredOrganization {
  _id: Types.ObjectId;
  name: string;
  slug: string;
  collection_name: string;
  status: string;
  lifecycle_epoch: number;
  operation?: Record<string, unknown>;
}

export interface StoredMember {
  _id: Types.ObjectId;
  org_id: Types.ObjectId;
  email: string;
  role: string;
  credential_version: number;
}

export interface StoredClaim {
  _id: string;
  owner_id: Types.ObjectId;
}

/** Everything the lifecycle writes, read straight from the master and tenant databases. */
export interface LifecycleState {
  organizations: StoredOrganization[];
  members: StoredMember[];
  claims: StoredClaim[];
  /** Ids of transition tickets still taken. */
  tickets: string[];
  tenantCollections: string[];
}

export async function readLifecycleState(db: DirectDatabases): Promise<LifecycleState> {
  const [organizations, members, claims, tickets, tenantCollections] = await Promise.all([
    db.master.collection<StoredOrganization>('organizations').find().toArray(),
    db.master.collection<StoredMember>('members').find().toArray(),
    db.master.collection<StoredClaim>('unique_claims').find().toArray(),
    db.master.collection<{ _id: string }>('transition_tickets').find().toArray(),
    db.tenantCollections(),
  ]);
  return { organizations, members, claims, tickets: tickets.map((ticket) => ticket._id), tenantCollections };
}

/**
 * What a settled system must never show: an organization mid-operation, a missing or orphan
 * collection, an organization without an owner, a member without an organization, a claim that does not
 * match exactly one current slug or email with its owner, or a transition ticket still taken.
 */
export function lifecycleProblems(state: LifecycleState): string[] {
  const problems: string[] = [];
  const collections = new Set(state.tenantCollections);
  const referenced = new Set<string>();
  const expectedClaims = new Map<string, string>();
  for (const org of state.organizations) {
    if (org.status !== 'active') problems.push(`organization ${org.slug} is ${org.status}`);
    if (org.operation) problems.push(`organization ${org.slug} still carries an operation`);
    if (org.collection_name !== tenantCollectionName(org.slug)) problems.push(`organization ${org.slug} names ${org.collection_name}`);
    if (!collections.has(org.collection_name)) problems.push(`collection ${org.collection_name} of ${org.slug} is missing`);
    referenced.add(org.collection_name);
    expectedClaims.set(`org:${org.slug}`, org._id.toHexString());
    const owners = state.members.filter((member) => member.org_id.equals(org._id) && member.role === 'owner');
    if (owners.length === 0) problems.push(`organization ${org.slug} has no owner`);
  }
  for (const member of state.members) {
    if (!state.organizations.some((org) => org._id.equals(member.org_id))) problems.push(`member ${member.email} has no organization`);
    expectedClaims.set(`email:${member.email}`, member._id.toHexString());
  }
  for (const name of collections) {
    if (!referenced.has(name)) problems.push(`collection ${name} belongs to no organization`);
  }
  const actualClaims = new Map(state.claims.map((claim) => [claim._id, claim.owner_id.toHexString()]));
  for (const [key, owner] of expectedClaims) {
    if (actualClaims.get(key) !== owner) problems.push(`claim ${key} is ${actualClaims.has(key) ? 'held by another owner' : 'missing'}`);
  }
  for (const key of actualClaims.keys()) {
    if (!expectedClaims.has(key)) problems.push(`claim ${key} is left over`);
  }
  for (const ticket of state.tickets) problems.push(`transition ticket ${ticket} is left over`);
  return problems;
}

/** Polls `probe` until it returns a value other than undefined, or fails after the deadline. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, describe: () => string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until no lifecycle problem is left (the reconciler has finished or rolled back everything). */
export async function waitUntilSettled(db: DirectDatabases, timeoutMs = 15_000): Promise<LifecycleState> {
  let last: LifecycleState | undefined;
  return waitFor(
    async () => {
      last = await readLifecycleState(db);
      return lifecycleProblems(last).length === 0 ? last : undefined;
    },
    () => `the lifecycle to settle; still: ${last ? lifecycleProblems(last).join('; ') : 'unread'}`,
    timeoutMs,
  );
}

/** Every `_id` in a tenant collection, as sorted hex strings. */
export async function idsIn(db: DirectDatabases, collection: string): Promise<string[]> {
  const documents = await db.tenant
    .collection(collection)
    .find({}, { projection: { _id: 1 } })
    .toArray();
  return documents.map((document) => document._id.toHexString()).sort();
}

/** Inserts `count` records of the organization, shaped as the records API stores them, in batches; returns their sorted ids. */
export async function seedRecords(
  db: DirectDatabases,
  collection: string,
  orgId: string,
  count: number,
  batchSize = 5000,
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const now = new Date();
    const batch = Array.from({ length: Math.min(batchSize, count - start) }, (_, offset) => ({
      _id: new Types.ObjectId(),
      org_id: new Types.ObjectId(orgId),
      data: { n: start + offset, label: `record ${start + offset}` },
      created_at: now,
      updated_at: now,
    }));
    await db.tenant.collection(collection).insertMany(batch, { ordered: false });
    ids.push(...batch.map(({ _id }) => _id.toHexString()));
  }
  return ids.sort();
}
