import { DirectDatabases } from './direct-db.js';

/**
 * Failed logins are recorded by design; leases are renewed, and webhook deliveries made and
 * attempted, by background work. Everything else must not change.
 */
export const VOLATILE_COLLECTIONS = new Set(['login_failures', 'leases', 'step_claims', 'webhook_deliveries']);

/**
 * A collection's documents without what background work changes: the webhook fan-out marks
 * outbox events handed out, the dispatcher notes an endpoint's failures. A request that records
 * an event still shows as a change.
 */
export function withoutBackgroundChanges(collection: string, documents: Record<string, unknown>[]): Record<string, unknown>[] {
  if (collection === 'outbox_events') return documents.map(({ dispatched: _dispatched, ...rest }) => rest);
  if (collection === 'webhook_endpoints') return documents.map(({ failing_since: _failing, disabled_at: _disabled, ...rest }) => rest);
  return documents;
}

/**
 * Every document the service stored, per `<database>.<collection>` in `_id` order, read straight
 * from the databases: compare two snapshots to prove a refused request changed nothing.
 */
export async function storedData(db: DirectDatabases): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const [label, connection] of [
    ['master', db.master],
    ['tenant', db.tenant],
  ] as const) {
    const collections = await connection.db!.listCollections({}, { nameOnly: true }).toArray();
    for (const { name } of collections.sort((a, b) => a.name.localeCompare(b.name))) {
      if (VOLATILE_COLLECTIONS.has(name)) continue;
      snapshot[`${label}.${name}`] = withoutBackgroundChanges(name, await connection.collection(name).find().sort({ _id: 1 }).toArray());
    }
  }
  return snapshot;
}
