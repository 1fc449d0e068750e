// Starts one FerretDB server for the e2e run on a free port (unless MONGODB_URI points elsewhere),
// on the PostgreSQL backend where PostgreSQL can run (LOCAL_DB_BACKEND chooses one). Each suite
// then works in databases of its own, so suites never see each other's data.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeBackend, startFerretDb } from '../../scripts/ferretdb.mjs';

export default async function globalSetup() {
  // The statuses the run's in-process apps answer (test/support/observed-statuses.ts), one run's only.
  const observed = join(process.cwd(), 'reports', `observed-statuses-${process.env.LOCAL_DB_BACKEND ?? 'default'}`);
  rmSync(observed, { recursive: true, force: true });
  process.env.TEST_OBSERVED_STATUSES_DIR = observed;
  await startSecondCluster();
  if (process.env.MONGODB_URI) return;
  const server = await startFerretDb();
  process.stderr.write(`[e2e] FerretDB on ${server.uri}, ${describeBackend(server)}\n`);
  process.env.MONGODB_URI = server.uri;
  process.env.TEST_FERRETDB_PID = String(server.pid);
  process.env.TEST_FERRETDB_DATA_DIR = server.dataDir;
  // What the local-database suite checks the plans of.
  process.env.TEST_LOCAL_DB_BACKEND = server.backend;
  if (server.postgres) process.env.TEST_LOCAL_POSTGRES_URL = server.postgres.url;
  globalThis.__FERRETDB__ = server;
}

/**
 * The second tenant cluster of the placement suites: TEST_SECOND_CLUSTER_URI where the run provides
 * one (CI's second MongoDB), else a FerretDB of its own on the run's backend. (On SQLite, which
 * scans for every query, a move's catch-up cost grows with the data, so a PostgreSQL run keeps
 * the cutover's bound checkable.)
 */
async function startSecondCluster() {
  if (process.env.TEST_SECOND_CLUSTER_URI) return;
  const server = await startFerretDb();
  process.stderr.write(`[e2e] second cluster: FerretDB on ${server.uri}, ${describeBackend(server)}\n`);
  process.env.TEST_SECOND_CLUSTER_URI = server.uri;
  globalThis.__SECOND_CLUSTER__ = server;
}
