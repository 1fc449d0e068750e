import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const second = globalThis.__SECOND_CLUSTER__;
  if (second) {
    await second.stop();
    rmSync(second.dataDir, { recursive: true, force: true });
  }
  const server = globalThis.__FERRETDB__;
  if (!server) return;
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
}
