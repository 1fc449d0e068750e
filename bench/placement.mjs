#!/usr/bin/env node
// npm run bench:placement: the tenant placement figures. Starts two FerretDB servers (two
// clusters) and the built service in production mode, then measures:
//   - a move's write freeze (cutover) at 1k, 10k and 100k documents, under a concurrent writer;
//   - record reads by id in `collection`, `shared` and `database` mode: latency and service CPU
//     per request, the other modes as ratios of `collection` mode's, in the same run;
//   - `shared` mode at 10k, 100k and 1M organizations (seeded straight into the databases, one
//     document each): authenticated record reads and creates, 1M as a ratio of 10k;
//   - `collection` mode at 1k, 10k and 50k organizations (a collection each): the time to create
//     collections, record reads, creates of organizations and GET /platform/clusters.
// BENCH_PLACEMENT_STAGES (default moves,reads,shared_scale,collection_scale) picks stages.
// Writes bench/results/placement-<time>.json and prints a Markdown table. Stops what it started.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, '.local', 'bench-placement');
const SIZES = (process.env.BENCH_MOVE_SIZES ?? '1000,10000,100000').split(',').map(Number);
const READS = Number(process.env.BENCH_READS ?? 5000);
const STAGES = new Set((process.env.BENCH_PLACEMENT_STAGES ?? 'moves,reads,shared_scale,collection_scale').split(','));
const SHARED_CHECKPOINTS = (process.env.BENCH_SHARED_ORGS ?? '10000,100000,1000000').split(',').map(Number);
const COLLECTION_CHECKPOINTS = (process.env.BENCH_COLLECTION_ORGS ?? '1000,10000,50000').split(',').map(Number);
const SAMPLE_ORGS = 50;

const { default: mongoose } = await import('mongoose');
const { startFerretDb, freePort, describeBackend } = await import('../scripts/ferretdb.mjs');
const { benchServiceEnv, buildService, cpuSeconds, startService, stopAllChildren, waitUntilIdle } = await import('./lib/processes.mjs');
const { median } = await import('./lib/load.mjs');
const { serviceNaming, signToken, seedPlacedOrganizations } = await import('./lib/seed.mjs');
const { serviceApi } = await import('./lib/api.mjs');
const { saveResults } = await import('./lib/report.mjs');

const started = performance.now();
const log = (message) =>
  process.stderr.write(`[bench:placement ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
const servers = [];
try {
  mkdirSync(WORK, { recursive: true });
  log('building the service');
  const entry = buildService(ROOT, join(WORK, 'dist'));
  const a = await startFerretDb();
  servers.push(a);
  const b = await startFerretDb();
  servers.push(b);
  log(`clusters: default ${describeBackend(a)}, b ${describeBackend(b)}`);
  const operatorKey = randomBytes(32).toString('hex');
  const env = benchServiceEnv(a.uri, { TENANT_CLUSTERS: `default=${a.uri},b=${b.uri}`, PLATFORM_API_KEYS: operatorKey });
  const service = await startService({ label: 'service', entry, env, port: await freePort() });
  const client = await new mongoose.mongo.MongoClient(a.uri).connect();
  const clientB = await new mongoose.mongo.MongoClient(b.uri).connect();
  const api = serviceApi(service.baseUrl);
  const { call } = api;
  const newOrg = () => api.newOrg('Bench');
  const clientOf = (cluster) => (cluster === 'b' ? clientB : client);
  const seed = async (placement, orgId, count) => {
    const collection = clientOf(placement.cluster).db(placement.database).collection(placement.collection);
    for (let start = 0; start < count; start += 5000) {
      const now = new Date();
      const batch = [];
      for (let i = start; i < Math.min(count, start + 5000); i += 1) {
        batch.push({
          _id: new mongoose.Types.ObjectId(),
          org_id: new mongoose.Types.ObjectId(orgId),
          data: { sku: `SKU-${i}`, qty: i % 17 },
          created_at: now,
          updated_at: now,
        });
      }
      await collection.insertMany(batch, { ordered: false });
    }
  };
  const operator = operatorKey;
  const move = async (orgId, target) => {
    const requested = await call('POST', `/platform/organizations/${orgId}/placement`, { token: operator, body: target });
    if (requested.status !== 202) throw new Error(`move: ${requested.status} ${JSON.stringify(requested.body)}`);
    for (;;) {
      const { body } = await call('GET', `/platform/moves/${requested.body.id}`, { token: operator });
      if (['done', 'failed', 'rolled_back'].includes(body.phase)) return body;
      await new Promise((wake) => setTimeout(wake, 50));
    }
  };

  const freezes = [];
  for (const size of STAGES.has('moves') ? SIZES : []) {
    const { org, token } = await newOrg();
    await seed(org.placement, org.id, size);
    let writing = true;
    let acknowledged = 0;
    let refused = 0;
    const writer = (async () => {
      while (writing) {
        const { status } = await call('POST', '/org/records', { token, body: { w: acknowledged } });
        if (status === 201) acknowledged += 1;
        else if (status === 409) refused += 1;
        else throw new Error(`writer got ${status}`);
      }
    })();
    const t0 = performance.now();
    const done = await move(org.id, { mode: 'shared', cluster: 'b' });
    const seconds = (performance.now() - t0) / 1000;
    writing = false;
    await writer;
    if (done.phase !== 'done') throw new Error(`move of ${size} ended ${done.phase}: ${done.error}`);
    freezes.push({
      documents: size,
      write_freeze_ms: done.write_freeze_ms,
      move_seconds: Number(seconds.toFixed(2)),
      writes_acknowledged: acknowledged,
      writes_refused: refused,
    });
    log(
      `move of ${size} documents: freeze ${done.write_freeze_ms} ms, ${seconds.toFixed(1)} s in all, ${acknowledged} writes acknowledged, ${refused} refused`,
    );
  }

  // Reads per mode in interleaved rounds (collection, shared, database, collection, ...), so that a
  // slower stretch of the machine does not land on one mode: medians over the rounds.
  const reads = {};
  const READ_ROUNDS = 5;
  const readers = [];
  for (const mode of STAGES.has('reads') ? ['collection', 'shared', 'database'] : []) {
    const { org, token } = await newOrg();
    if (mode !== 'collection') await move(org.id, { mode });
    const ids = [];
    for (let i = 0; i < 100; i += 1) ids.push((await call('POST', '/org/records', { token, body: { i } })).body.id);
    // Other organizations' documents alongside, so the shared collection is not the organization's alone.
    if (mode === 'shared') {
      await seed(
        { cluster: 'default', database: 'tenant_db', collection: 'shared_records' },
        new mongoose.Types.ObjectId().toHexString(),
        20_000,
      );
    }
    for (let i = 0; i < 200; i += 1) await call('GET', `/org/records/${ids[i % ids.length]}`, { token });
    readers.push({ mode, token, ids, rounds: [] });
  }
  for (let round = 0; round < READ_ROUNDS; round += 1) {
    for (const reader of readers) {
      await waitUntilIdle([service.pid]);
      const cpuBefore = cpuSeconds(service.pid);
      const latencies = [];
      const count = Math.round(READS / READ_ROUNDS);
      for (let i = 0; i < count; i += 1) {
        const t0 = performance.now();
        const { status } = await call('GET', `/org/records/${reader.ids[i % reader.ids.length]}`, { token: reader.token });
        latencies.push(performance.now() - t0);
        if (status !== 200) throw new Error(`read in ${reader.mode} mode: ${status}`);
      }
      latencies.sort((x, y) => x - y);
      reader.rounds.push({
        median_ms: median(latencies),
        p99_ms: latencies[Math.floor(latencies.length * 0.99)],
        cpu_us: ((cpuSeconds(service.pid) - cpuBefore) / count) * 1e6,
      });
    }
  }
  for (const { mode, rounds } of readers) {
    reads[mode] = {
      median_ms: Number(median(rounds.map((r) => r.median_ms)).toFixed(3)),
      p99_ms: Number(median(rounds.map((r) => r.p99_ms)).toFixed(3)),
      service_cpu_us_per_read: Math.round(median(rounds.map((r) => r.cpu_us))),
      cpu_us_per_round: rounds.map((r) => Math.round(r.cpu_us)),
    };
    log(`${mode}: ${JSON.stringify(reads[mode])}`);
  }
  for (const mode of STAGES.has('reads') ? ['shared', 'database'] : []) {
    reads[mode].cpu_ratio_to_collection = Number(
      (reads[mode].service_cpu_us_per_read / reads.collection.service_cpu_us_per_read).toFixed(2),
    );
  }
  const naming = await serviceNaming(join(WORK, 'dist'));
  const master = client.db('master_db');
  const tenantDb = client.db('tenant_db');
  /** Latency of `count` calls of `once(i)` one after another: median and p99 in ms. */
  const timed = async (count, once) => {
    const latencies = [];
    for (let i = 0; i < count; i += 1) {
      const t0 = performance.now();
      await once(i);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((x, y) => x - y);
    return { median_ms: Number(median(latencies).toFixed(3)), p99_ms: Number(latencies[Math.floor(latencies.length * 0.99)].toFixed(3)) };
  };
  /**
   * Organizations written straight into the master database as the service writes them, each with
   * one record where its placement says; the last SAMPLE_ORGS also get an owner and a signed token.
   */
  const seedOrgs = async (count, mode, prefix) => {
    const owners = await seedPlacedOrganizations({
      master,
      tenant: tenantDb,
      naming,
      count,
      mode,
      prefix,
      owned: (i) => i >= count - SAMPLE_ORGS,
    });
    return owners.map(({ memberId, orgId, membershipId, record }) => ({
      token: signToken({
        naming,
        secret: env.JWT_SECRET,
        issuer: 'organization-management-service',
        audience: 'organization-management-api',
        memberId,
        orgId,
        membershipId,
      }),
      record,
    }));
  };
  const measureOrgs = async (tokens) => {
    for (const { token, record } of tokens) await call('GET', `/org/records/${record}`, { token });
    const readsAt = await timed(2000, async (i) => {
      const { token, record } = tokens[i % tokens.length];
      const { status } = await call('GET', `/org/records/${record}`, { token });
      if (status !== 200) throw new Error(`record read: ${status}`);
    });
    const createsAt = await timed(500, async (i) => {
      const { status } = await call('POST', '/org/records', { token: tokens[i % tokens.length].token, body: { i } });
      if (status !== 201) throw new Error(`record create: ${status}`);
    });
    return { record_read: readsAt, record_create: createsAt };
  };

  const sharedScale = [];
  let sharedSeeded = 0;
  for (const checkpoint of STAGES.has('shared_scale') ? SHARED_CHECKPOINTS : []) {
    const t0 = performance.now();
    const tokens = await seedOrgs(checkpoint - sharedSeeded, 'shared', `Shared ${checkpoint}`);
    const seedSeconds = (performance.now() - t0) / 1000;
    sharedSeeded = checkpoint;
    // The database too: PostgreSQL's autovacuum and analyze after a million inserts would otherwise
    // run inside the measurement.
    await waitUntilIdle([service.pid, ...a.pids()], 600_000);
    const figures = await measureOrgs(tokens);
    const clustersStarted = performance.now();
    const { status: clustersStatus } = await call('GET', '/platform/clusters', { token: operator });
    figures.platform_clusters = { ms: Math.round(performance.now() - clustersStarted), status: clustersStatus };
    sharedScale.push({ organizations: checkpoint, seed_seconds: Number(seedSeconds.toFixed(1)), ...figures });
    log(`shared at ${checkpoint} organizations (seeded in ${seedSeconds.toFixed(0)} s): ${JSON.stringify(figures)}`);
  }

  const collectionScale = [];
  let collectionsSeeded = 0;
  for (const checkpoint of STAGES.has('collection_scale') ? COLLECTION_CHECKPOINTS : []) {
    const t0 = performance.now();
    const tokens = await seedOrgs(checkpoint - collectionsSeeded, 'collection', `Own ${checkpoint}`);
    const seedSeconds = (performance.now() - t0) / 1000;
    const perThousand = (seedSeconds / (checkpoint - collectionsSeeded)) * 1000;
    collectionsSeeded = checkpoint;
    await waitUntilIdle([service.pid, ...a.pids()], 600_000);
    const figures = await measureOrgs(tokens);
    const orgCreate = await timed(10, async () => {
      const { org } = await newOrg();
      if (!org.placement) throw new Error('no placement');
    });
    // Measured once: the report is then served from its 10 s cache.
    const clustersStarted = performance.now();
    const { status: clustersStatus } = await call('GET', '/platform/clusters', { token: operator });
    const clusters = { ms: Math.round(performance.now() - clustersStarted), status: clustersStatus };
    collectionScale.push({
      organizations: checkpoint,
      seconds_per_1000_collections: Number(perThousand.toFixed(2)),
      ...figures,
      organization_create: orgCreate,
      platform_clusters: clusters,
    });
    log(`collection at ${checkpoint}: ${perThousand.toFixed(1)} s per 1000 collections; ${JSON.stringify(collectionScale.at(-1))}`);
  }

  await client.close();
  await clientB.close();
  const result = {
    at: new Date().toISOString(),
    backend: describeBackend(a),
    reads_per_mode: READS,
    freezes,
    reads,
    shared_scale: sharedScale,
    collection_scale: collectionScale,
  };
  const file = saveResults(ROOT, 'placement', result);
  const first = sharedScale[0];
  const lines = [
    '| shared-mode organizations | seeded in (s) | record read median / p99 (ms) | record create median / p99 (ms) | read vs first | GET /platform/clusters (ms, status) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...sharedScale.map(
      (r) =>
        `| ${r.organizations} | ${r.seed_seconds} | ${r.record_read.median_ms} / ${r.record_read.p99_ms} | ${r.record_create.median_ms} / ${r.record_create.p99_ms} | ${(r.record_read.median_ms / first.record_read.median_ms).toFixed(2)}× | ${r.platform_clusters.ms} (${r.platform_clusters.status}) |`,
    ),
    '',
    '| collection-mode organizations | s per 1000 collections | record read median / p99 (ms) | record create median (ms) | org create median (ms) | GET /platform/clusters (ms, status) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...collectionScale.map(
      (r) =>
        `| ${r.organizations} | ${r.seconds_per_1000_collections} | ${r.record_read.median_ms} / ${r.record_read.p99_ms} | ${r.record_create.median_ms} | ${r.organization_create.median_ms} | ${r.platform_clusters.ms} (${r.platform_clusters.status}) |`,
    ),
    '',
    '| documents | write freeze (ms) | whole move (s) | writes acknowledged / refused |',
    '|---:|---:|---:|---:|',
    ...freezes.map((f) => `| ${f.documents} | ${f.write_freeze_ms} | ${f.move_seconds} | ${f.writes_acknowledged} / ${f.writes_refused} |`),
    '',
    '| mode | read median (ms) | p99 (ms) | service CPU per read (µs) | CPU vs collection |',
    '|---|---:|---:|---:|---:|',
    ...Object.entries(reads).map(
      ([mode, r]) => `| ${mode} | ${r.median_ms} | ${r.p99_ms} | ${r.service_cpu_us_per_read} | ${r.cpu_ratio_to_collection ?? 1}× |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  log(`wrote ${file}`);
} finally {
  await stopAllChildren();
  for (const server of servers) await server.stop().catch(() => undefined);
}
