// Memory: the large service instance's resident and heap memory and its tenant model cache as more
// of its organizations are used, and (in a second pass on a fresh instance) what grew on its heap
// between the first checkpoint and the last (heap snapshots).
import { relative } from 'node:path';
import { scrapeMetrics, serviceApi } from '../lib/api.mjs';
import { heapGrowth, takeHeapSnapshot } from '../lib/heap-snapshot.mjs';
import { waitUntilIdle } from '../lib/processes.mjs';
import { forEachLimited } from '../lib/seed.mjs';

/**
 * Reads the `large` instance's memory, then, for each of `settings.memoryCheckpoints`, makes one
 * authenticated GET /org/records?limit=1 as each not yet used organization of `organizations` up to
 * that many (`settings.connections` at a time, tokens from `tokenFor`) and reads it again (see
 * checkpointReading). Answers `readings` (the result file's `memory`: one per checkpoint, the first
 * with no organization used) and `usedBatches` (the organizations used for each checkpoint, for
 * replayWithSnapshots).
 */
export async function memoryByOrganizationsUsed({ settings, large, organizations, tokenFor }) {
  const readings = [{ organizationsUsed: 0, ...(await memoryReading(large)) }];
  let used = 0;
  for (const checkpoint of settings.memoryCheckpoints) {
    await useOrganizations(large, organizations.slice(used, checkpoint), tokenFor, settings);
    used = checkpoint;
    readings.push({ organizationsUsed: used, ...(await checkpointReading(large, settings)) });
  }
  return {
    readings,
    usedBatches: settings.memoryCheckpoints.map((checkpoint, i) =>
      organizations.slice(i === 0 ? 0 : settings.memoryCheckpoints[i - 1], checkpoint),
    ),
  };
}

/** One authenticated GET /org/records?limit=1 as each of `organizations` (`settings.connections` at a time). */
async function useOrganizations(instance, organizations, tokenFor, settings) {
  const api = serviceApi(instance.baseUrl);
  await forEachLimited(organizations, settings.connections, async (org) => {
    await api.callExpecting('GET', '/org/records?limit=1', { token: tokenFor(org), expect: 200 });
  });
}

/**
 * What the heap holds after each of `usedBatches` (organizations, used in turn as the readings'
 * pass used them) on `instance`, a fresh instance on the same databases started with heap
 * snapshots into `dir`: a snapshot after each batch, and the growth between the first and the
 * last. A separate pass, because writing a snapshot takes memory of its own that the process
 * keeps (about 100 MiB resident at 1,000 organizations), which would count in the next reading.
 */
export async function replayWithSnapshots({ root, settings, instance, usedBatches, tokenFor, dir, log }) {
  const snapshots = [];
  const residentAfter = [];
  for (const batch of usedBatches) {
    await useOrganizations(instance, batch, tokenFor, settings);
    const { file, residentAfterSnapshotMiB } = await snapshotOf(instance, dir, root, log);
    snapshots.push(file);
    residentAfter.push(residentAfterSnapshotMiB);
  }
  return { ...(await growthOf(snapshots, log)), residentAfterSnapshotMiB: residentAfter };
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

/**
 * The instance's memory at a checkpoint: `residentRightAfterMiB` as the last request is answered,
 * and every figure of memoryReading once the instance has been idle for
 * `settings.memorySettleSeconds` (V8's memory reducer collects and gives pages back when allocation
 * stops, about 8 s after its last full collection): what it keeps, rather than garbage not yet
 * collected.
 */
export async function checkpointReading(instance, settings) {
  const rightAfter = await memoryReading(instance);
  await waitUntilIdle(instance.pid);
  await new Promise((wake) => setTimeout(wake, settings.memorySettleSeconds * 1000));
  return {
    ...(await memoryReading(instance)),
    residentRightAfterMiB: rightAfter.residentMiB,
    heapUsedRightAfterMiB: rightAfter.heapUsedMiB,
  };
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
