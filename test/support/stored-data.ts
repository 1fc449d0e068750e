import { DirectDatabases } from './direct-db.js';

/** Failed logins are recorded by design; everything else must not change. */
const VOLATILE_COLLECTIONS = new Set(['login_failures']);

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
      snapshot[`${label}.${name}`] = await connection.collection(name).find().sort({ _id: 1 }).toArray();
    }
  }
  return snapshot;
}
