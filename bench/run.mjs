#!/usr/bin/env node
// npm run bench: builds the service into .local/bench/dist, starts FerretDB and the production-mode
// service instances (`small`, 10 organizations; `large`, 10,000; `limited`, on the small one's
// databases with TENANT_RATE_LIMIT=1, for the 429 scenario; at the end `shared`, in shared
// placement, for memory at a million organizations) plus the baseline servers on free 127.0.0.1
// ports, runs every scenario, stops everything it started, writes bench/results/<time>.json and
// rewrites the generated part of BENCHMARKS.md. Heap snapshots of `large` and `shared` go to
// .local/bench/heap (emptied at each run).
//
// Optional environment: BENCH_ROUNDS (default 5), BENCH_SECONDS per run (default 4),
// BENCH_CPU_PROFILE=1 (CPU profiles of the service instances into .local/bench/profiles),
// LOCAL_DB_BACKEND=sqlite (FerretDB's SQLite backend instead of PostgreSQL), BENCH_ONLY=<keys>
// (comma-separated throughput scenarios, e.g. record_read,health: runs just those and prints their
// figures, writing no result file; for profiling one path at a time), BENCH_SHARED_ORGS
// (organizations of the shared-placement memory scenario, default 1,000,000; at least 1,000).
//
// Each scenario is a module of bench/scenarios/ (one exported function: what it needs in, its
// figures out; the latency probes' rounds run between the throughput rounds);
// bench/lib/instances.mjs starts what is measured, bench/lib/fixtures.mjs makes what the scenarios
// act as. main() below only puts them in order.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, '.local', 'bench');

const settings = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  seconds: Number(process.env.BENCH_SECONDS ?? 4),
  warmupSeconds: 1,
  latencySeconds: 3,
  connections: 16,
  smallOrgCount: 10,
  largeOrgCount: 10_000,
  renameSizes: [1_000, 10_000, 100_000],
  renameRepeats: 3,
  memoryCheckpoints: [1_000, 10_000],
  // Idle time before a memory reading (see checkpointReading in bench/scenarios/memory.mjs).
  memorySettleSeconds: 12,
  // The shared-placement memory scenario: `firstUsed` organizations seeded and used, then seeded up
  // to `organizations`, `moreUsed` more of them used.
  sharedMemory: { organizations: Number(process.env.BENCH_SHARED_ORGS ?? 1_000_000), firstUsed: 1_000, moreUsed: 9_000 },
  // TENANT_RATE_LIMIT of the `limited` instance (the others': 1,000,000, see benchServiceEnv).
  limitedRate: 1,
  tenantModelCacheSize: 500,
  // Clients of the create flood: far more than the hashing bound lets run or wait.
  floodConnections: 256,
  argon2: { memoryKiB: 19456, timeCost: 2, parallelism: 1 },
  // Far above what the login scenario sends, so that it measures logins and not 429s; with a
  // 1 s window the throttle keeps about as many attempts per address as its default limit allows.
  loginLimits: { perIp: 10_000, perEmail: 10_000, windowSeconds: 1 },
  // The reconciler's periodic pass is not a request path, and on FerretDB its cost grows with the
  // number of organizations (see BENCHMARKS.md); its start-up pass still runs.
  reconcileIntervalSeconds: 0,
};

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
// BENCH_ONLY=memory runs the two memory scenarios after the throughput scenarios it names.
const wantsMemory = !only || only.has('memory');
const wantsLarge = !only || only.has('org_get_10k') || wantsMemory;
const wantsLimited = !only || only.has('refused_rate');

const benchStarted = performance.now();
const log = (message) =>
  process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

if (!existsSync(join(ROOT, 'node_modules', 'autocannon'))) {
  log('installing dependencies (npm install)');
  const installed = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (installed.status !== 0) throw new Error('npm install failed');
}

const { default: mongoose } = await import('mongoose');
const { startFerretDb, freePort, describeBackend, FERRETDB_VERSION } = await import('../scripts/ferretdb.mjs');
const { buildService, stopAllChildren, stopChild, waitUntilIdle } = await import('./lib/processes.mjs');
const { serviceNaming } = await import('./lib/seed.mjs');
const { serviceApi } = await import('./lib/api.mjs');
const { databaseNames, startInstances, startFloors } = await import('./lib/instances.mjs');
const { prepareFixtures } = await import('./lib/fixtures.mjs');
const { evaluateTargets, latestOtherBackend, renderReport, writeBenchmarksMd } = await import('./lib/report.mjs');
const { measureThroughput } = await import('./scenarios/throughput.mjs');
const { latencyByOrganizationCount } = await import('./scenarios/org-count-latency.mjs');
const { queryPlans } = await import('./scenarios/query-plans.mjs');
const { healthUnderFlood } = await import('./scenarios/health-under-flood.mjs');
const { renames } = await import('./scenarios/rename.mjs');
const { memoryByOrganizationsUsed, replayWithSnapshots } = await import('./scenarios/memory.mjs');
const { sharedModeMemory } = await import('./scenarios/shared-memory.mjs');

const ISSUER = 'organization-management-service';
const AUDIENCE = 'organization-management-api';

let ferret;
let client;

async function main() {
  const startedAt = new Date();
  rmSync(join(WORK, 'dist'), { recursive: true, force: true });
  log('building the service into .local/bench/dist');
  const entry = buildService(ROOT, join(WORK, 'dist'));
  const naming = await serviceNaming(join(WORK, 'dist'));

  ferret = await startFerretDb({ debugPort: await freePort() });
  log(`FerretDB ${FERRETDB_VERSION} (pid ${ferret.pid}) on ${ferret.uri}, ${describeBackend(ferret)}`);
  client = await new mongoose.mongo.MongoClient(ferret.uri).connect();
  const databases = (name) => ({ master: client.db(databaseNames(name).master), tenant: client.db(databaseNames(name).tenant) });

  const jwt = { secret: randomBytes(36).toString('base64url'), issuer: ISSUER, audience: AUDIENCE };
  const profileDir = process.env.BENCH_CPU_PROFILE ? join(WORK, 'profiles') : undefined;
  const heapSnapshotDir = process.env.BENCH_HEAP_SNAPSHOTS === '0' ? undefined : join(WORK, 'heap');
  if (heapSnapshotDir) rmSync(heapSnapshotDir, { recursive: true, force: true });
  const instances = { entry, ferret, client, settings, jwt, profileDir, log };
  const names = ['small', ...(wantsLarge ? ['large'] : [])];
  const { small, large } = await startInstances({ ...instances, names });
  const api = serviceApi(small.baseUrl);
  const fixtures = await prepareFixtures({
    api,
    small: databases('small'),
    large: large && databases('large'),
    naming,
    jwt,
    settings,
    log,
  });
  const { created, record } = fixtures;
  // Started once the small instance's fixtures are all written, so that its start-up
  // reconciliation pass (on the same databases) never meets one half made.
  const limited = wantsLimited ? await startLimited(instances, small) : undefined;
  const floors = await startFloors({
    root: ROOT,
    ferret,
    tenantDb: databaseNames('small').tenant,
    collection: created.collection_name,
    recordId: record.id,
  });
  /** What every scenario may need: the checkout, the settings, the log, the database and the service instances. */
  const bench = { root: ROOT, settings, log, ferret, naming, small, large, limited };

  const masters = { small: databases('small').master, large: databases('large').master };
  const latency = latencyByOrganizationCount({ ...bench, masters, lookups: fixtures.lookups });
  const throughput = await measureThroughput({ ...bench, floors, fixtures, only, eachRound: only ? undefined : latency.round });
  const measureMemory = () =>
    memoryScenarios({
      bench,
      instances,
      fixtures,
      databases,
      heapSnapshotDir,
      stop: [floors.framework, floors.data, small, large, limited],
    });
  if (only) {
    for (const [key, figures] of Object.entries(throughput.quick)) process.stdout.write(`${key} ${JSON.stringify(figures)}\n`);
    if (!wantsMemory) return;
    const memory = await measureMemory();
    process.stdout.write(`${JSON.stringify(memory, (key, value) => (key === 'heap' ? undefined : value), 1)}\n`);
    return;
  }
  const plans = await queryPlans({ ...bench, master: masters.large, lookup: fixtures.lookups.large, orgId: fixtures.largeOrgs[0].orgId });
  log('GET /health at rest and during a create flood');
  const flood = await healthUnderFlood(bench);
  log('rename scenario');
  const renamed = await renames({ ...bench, api, ...databases('small') });
  // BENCH_MEMORY=0 skips them (on FerretDB's SQLite backend every lookup scans, so 10,000 organizations take most of an hour).
  const { memory, sharedMemory } = process.env.BENCH_MEMORY === '0' ? { memory: { readings: [] } } : await measureMemory();
  writeResults(startedAt, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    backend: ferret.backend,
    settings,
    seedSeconds: fixtures.seedSeconds,
    seededOrganizations: fixtures.seededOrganizations,
    throughput: throughput.figures,
    latency: latency.figures(),
    queryPlans: plans,
    renames: renamed,
    memory: memory.readings,
    memoryHeap: memory.heap,
    sharedMemory,
    healthUnderFlood: flood,
  });
}

/**
 * The `limited` instance: on the `small` one's databases, with the per-organization fair share at
 * settings.limitedRate requests per second; answered once its start-up work is over.
 */
async function startLimited(instances, small) {
  const { limited } = await startInstances({
    ...instances,
    names: ['limited'],
    options: { limited: { databasesOf: 'small', env: { TENANT_RATE_LIMIT: String(instances.settings.limitedRate) } } },
  });
  await waitUntilIdle([limited.pid, small.pid]);
  return limited;
}

/**
 * The memory scenarios: the large instance's as its organizations are used, then, once `stop`
 * (every other process the bench started) has stopped, a fresh instance in shared placement's.
 */
async function memoryScenarios({ bench, instances, fixtures, databases, heapSnapshotDir, stop }) {
  log('memory scenario');
  const memory = await memoryByOrganizationsUsed({ ...bench, organizations: fixtures.largeOrgs, tokenFor: fixtures.tokenFor });
  await Promise.all(stop.filter(Boolean).map(({ child }) => stopChild(child)));
  /** The same organizations used again by a fresh instance `name` (same databases) that writes heap snapshots. */
  const heapOf = async (name, env, usedBatches) => {
    if (!heapSnapshotDir) return undefined;
    log(`heap snapshots: ${name} instance again, fresh`);
    const started = await startInstances({ ...instances, names: [name], options: { [name]: { env, heapSnapshotDir } } });
    const instance = started[name];
    try {
      return await replayWithSnapshots({ ...bench, instance, usedBatches, tokenFor: fixtures.tokenFor, dir: heapSnapshotDir });
    } finally {
      await stopChild(instance.child);
    }
  };
  memory.heap = await heapOf('large', {}, memory.usedBatches);
  log(`memory scenario in shared placement, ${settings.sharedMemory.organizations.toLocaleString('en')} organizations`);
  const { shared } = await startInstances({
    ...instances,
    names: ['shared'],
    options: { shared: { env: { DEFAULT_PLACEMENT: 'shared' } } },
  });
  const sharedMemory = await sharedModeMemory({ ...bench, shared, ...databases('shared'), tokenFor: fixtures.tokenFor });
  await stopChild(shared.child);
  sharedMemory.heap = await heapOf('shared', { DEFAULT_PLACEMENT: 'shared' }, sharedMemory.usedBatches);
  for (const result of [memory, sharedMemory]) delete result.usedBatches;
  return { memory, sharedMemory };
}

/** Adds the targets to `results`, writes them to bench/results/<startedAt>.json, rewrites BENCHMARKS.md's generated part and prints it. */
function writeResults(startedAt, results) {
  const other = latestOtherBackend(join(ROOT, 'bench', 'results'), results.backend);
  results.targets = evaluateTargets(results, other?.results);
  const file = join(ROOT, 'bench', 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const report = renderReport(results, relative(ROOT, file), other && { ...other, file: relative(ROOT, other.file) });
  writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), report);
  process.stdout.write(`${report}\n`);
  log(`results: ${relative(ROOT, file)}; BENCHMARKS.md rewritten`);
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    database: `FerretDB ${FERRETDB_VERSION}, ${describeBackend(ferret).replace(/, pid \d+, port \d+/, '')}, same machine`,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

async function cleanUp() {
  await client?.close().catch(() => undefined);
  await stopAllChildren();
  if (ferret) {
    await ferret.stop();
    rmSync(ferret.dataDir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping everything the bench started`);
    cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
  await cleanUp();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : error}`);
  await cleanUp();
  process.exitCode = 1;
}
