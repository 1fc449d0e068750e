// Starts one FerretDB server for the e2e run on a free port (unless MONGODB_URI points elsewhere).
// Each suite then works in databases of its own, so suites never see each other's data.
import { startFerretDb } from '../../scripts/ferretdb.mjs';

export default async function globalSetup() {
  if (process.env.MONGODB_URI) return;
  const server = await startFerretDb();
  process.env.MONGODB_URI = server.uri;
  process.env.TEST_FERRETDB_PID = String(server.pid);
  process.env.TEST_FERRETDB_DATA_DIR = server.dataDir;
  globalThis.__FERRETDB__ = server;
}
