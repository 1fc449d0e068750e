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

export interface StoredAccount {
  _id: Types.ObjectId;
  email: string;
  credential_version: number;
}

export interface StoredMembership {
  _id: Types.ObjectId;
  org_id: Types.ObjectId;
  account_id: Types.ObjectId;
  role: string;
}

export interface StoredClaim {
  _id: string;
  owner_id: Types.ObjectId;
}

/** Everything the lifecycle writes, read straight from the master and tenant databases. */
export interface LifecycleState {
  organizations: StoredOrganization[];
  accounts: StoredAccount[];
  memberships: StoredMembership[];
  claims: StoredClaim[];
  /** Ids of transition tickets still taken. */
  tickets: string[];
  tenantCollections: string[];
}

export async function readLifecycleState(db: DirectDatabases): Promise<LifecycleState> {
  const [organizations, accounts, memberships, claims, tickets, tenantCollections] = await Promise.all([
    db.master.collection<StoredOrganization>('organizations').find().toArray(),
    db.master.collection<StoredAccount>('accounts').find().toArray(),
    db.master.collection<StoredMembership>('memberships').find().toArray(),
    db.master.collection<StoredClaim>('unique_claims').find().toArray(),
    db.master.collection<{ _id: string }>('transition_tickets').find().toArray(),
    db.tenantCollections(),
  ]);
  return { organizations, accounts, memberships, claims, tickets: tickets.map((ticket) => ticket._id), tenantCollections };
}

/**
 * What a settled system must never show: an organization mid-operation, a missing or orphan
 * collection, an organization without an owner, a membership without its organization or account, a claim that does not
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
    const owners = state.memberships.filter((membership) => membership.org_id.equals(org._id) && membership.role === 'owner');
    if (owners.length === 0) problems.push(`organization ${org.slug} has no owner`);
  }
  for (const membership of state.memberships) {
    const which = `membership ${membership._id.toHexString()}`;
    if (!state.organizations.some((org) => org._id.equals(membership.org_id))) problems.push(`${which} has no organization`);
    if (!state.accounts.some((account) => account._id.equals(membership.account_id))) problems.push(`${which} has no account`);
  }
  for (const account of state.accounts) expectedClaims.set(`email:${account.email}`, account._id.toHexString());
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

/** Polls until the request answers `status`, failing after `deadlineMs`; answers how long it took. */
export async function untilStatus(request: () => Promise<{ status: number }>, status: number, deadlineMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await request();
    if (response.status === status) return Date.now() - started;
    if (Date.now() - started > deadlineMs) throw new Error(`still ${response.status} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
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
