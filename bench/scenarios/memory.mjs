// Memory: the large service instance's resident and heap memory and its tenant model cache as more
// of its organizations are used, and what grew on its heap between the first checkpoint and the
// last (heap snapshots).
import { relative } from 'node:path';
import { scrapeMetrics, serviceApi } from '../lib/api.mjs';
import { heapGrowth, takeHeapSnapshot } from '../lib/heap-snapshot.mjs';
import { forEachLimited } from '../lib/seed.mjs';

/**
 * Reads the `large` instance's memory, then, for each of `settings.memoryCheckpoints`, makes one
 * authenticated GET /org/records?limit=1 as each not yet used organization of `organizations` up to
 * that many (`settings.connections` at a time, tokens from `tokenFor`) and reads it again. With
 * `heapSnapshotDir` (where the instance writes its heap snapshots on SIGUSR2), each checkpoint's
 * reading is followed by a heap snapshot. Answers `readings` (the result file's `memory`: one per
 * checkpoint, the first with no organization used) and `heap` (the growth between the first and
 * the last checkpoint's snapshots, see heapGrowth; undefined without snapshots).
 */
export async function memoryByOrganizationsUsed({ root, settings, large, organizations, tokenFor, heapSnapshotDir, log }) {
  const api = serviceApi(large.baseUrl);
  const readings = [{ organizationsUsed: 0, ...(await memoryReading(large)) }];
  const snapshots = [];
  let used = 0;
  for (const checkpoint of settings.memoryCheckpoints) {
    await forEachLimited(organizations.slice(used, checkpoint), settings.connections, async (org) => {
      await api.callExpecting('GET', '/org/records?limit=1', { token: tokenFor(org), expect: 200 });
    });
    used = checkpoint;
    const reading = { organizationsUsed: used, ...(await memoryReading(large)) };
    if (heapSnapshotDir) {
      const { file, ...figures } = await snapshotOf(large, heapSnapshotDir, root, log);
      snapshots.push(file);
      Object.assign(reading, figures);
    }
    readings.push(reading);
  }
  return { readings, heap: await growthOf(snapshots, log) };
}

/**
 * A heap snapshot of `instance` into `dir`: its path (`file`, and `heapSnapshot` relative to
 * `root`) and the resident memory after it (writing a snapshot takes memory of its own, which the
 * process may keep).
 */
export async function snapshotOf(instance, dir, root, log) {
  const started = performance.now();
  const file = await takeHeapSnapshot(instance.pid, dir);
  log(`heap snapshot of ${instance.label} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${relative(root, file)}`);
  return { file, heapSnapshot: relative(root, file), residentAfterSnapshotMiB: (await memoryReading(instance)).residentMiB };
}

/** The growth between the first and the last of `snapshots` (paths), or undefined with fewer than two. */
export async function growthOf(snapshots, log) {
  if (snapshots.length < 2) return undefined;
  log('comparing the heap snapshots');
  return heapGrowth(snapshots[0], snapshots.at(-1));
}

/** The instance's memory from its /metrics (prom-client's process figures); null for a figure it does not expose. */
export async function memoryReading(instance) {
  const metrics = await scrapeMetrics(instance.baseUrl);
  const mib = (name) => (metrics[name] === undefined ? null : metrics[name] / 2 ** 20);
  return {
    residentMiB: mib('process_resident_memory_bytes'),
    heapUsedMiB: mib('nodejs_heap_size_used_bytes'),
    heapTotalMiB: mib('nodejs_heap_size_total_bytes'),
    externalMiB: mib('nodejs_external_memory_bytes'),
    tenantModelCacheSize: metrics.tenant_model_cache_size,
  };
}
