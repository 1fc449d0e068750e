// Memory in shared placement at a million organizations: the resident and heap memory of an
// instance whose organizations all keep their records in one shared collection, after 1,000
// organizations were used and after up to a million were seeded and 9,000 more of them used, and
// what grew on its heap between the two (heap snapshots).
import { serviceApi } from '../lib/api.mjs';
import { waitUntilIdle } from '../lib/processes.mjs';
import { forEachLimited, seedPlacedOrganizations } from '../lib/seed.mjs';
import { checkpointReading, memoryReading } from './memory.mjs';

/**
 * On the `shared` instance (DEFAULT_PLACEMENT=shared, its own `master` and `tenant` databases): seeds `settings.sharedMemory.firstUsed` organizations in
 * shared placement with owners, uses each once (an authenticated GET /org/records?limit=1, tokens
 * from `tokenFor`, `settings.connections` at a time), reads the memory; then seeds organizations up to `settings.sharedMemory.organizations`, `moreUsed` of them spread
 * over them with owners, uses those, and reads again. `ferret` is waited for after
 * seeding (PostgreSQL's autovacuum after a million inserts). Answers the result file's
 * `sharedMemory`: the readings, the ratio of the last resident memory to the first used one's and
 * the seeding time, plus `usedBatches` (the owners used at each stage, for replayWithSnapshots).
 */
export async function sharedModeMemory({ settings, ferret, naming, shared, master, tenant, tokenFor, log }) {
  const { organizations, firstUsed, moreUsed } = settings.sharedMemory;
  const api = serviceApi(shared.baseUrl);
  const readings = [{ organizations: 0, organizationsUsed: 0, ...(await memoryReading(shared)) }];
  const usedBatches = [];
  let seeded = 0;
  let used = 0;
  let seedSeconds = 0;
  const stage = async (count, prefix, owned) => {
    const started = performance.now();
    const owners = await seedPlacedOrganizations({
      master,
      tenant,
      naming,
      count,
      mode: 'shared',
      prefix,
      owned,
      withRecords: false,
      progress: (done) => {
        if (done % 100_000 === 0) log(`shared memory: ${(seeded + done).toLocaleString('en')} organizations seeded`);
      },
    });
    seedSeconds += (performance.now() - started) / 1000;
    seeded += count;
    log(`shared memory: ${seeded.toLocaleString('en')} organizations seeded in ${seedSeconds.toFixed(0)} s; using ${owners.length}`);
    await waitUntilIdle([shared.pid, ...ferret.pids()], 60_000);
    await forEachLimited(owners, settings.connections, async (owner) => {
      await api.callExpecting('GET', '/org/records?limit=1', { token: tokenFor(owner), expect: 200 });
    });
    used += owners.length;
    usedBatches.push(owners);
    const reading = { organizations: seeded, organizationsUsed: used, ...(await checkpointReading(shared, settings)) };
    readings.push(reading);
    log(`shared memory: RSS ${reading.residentMiB.toFixed(1)} MiB, heap used ${reading.heapUsedMiB.toFixed(1)} MiB`);
  };

  await stage(firstUsed, 'Bench Shared First', () => true);
  const rest = Math.max(0, organizations - firstUsed);
  // Every `step`-th organization of the rest, so that the used ones are spread over all of them.
  const step = Math.max(1, Math.floor(rest / moreUsed));
  await stage(rest, 'Bench Shared', (i) => i % step === 0 && i / step < moreUsed);
  const [first, last] = [readings[1], readings.at(-1)];
  return {
    organizations: seeded,
    seedSeconds,
    readings,
    residentRatio: last.residentMiB / first.residentMiB,
    usedBatches,
  };
}
