#!/usr/bin/env node
// npm run bench: builds the service into .local/bench/dist, starts FerretDB and two production-mode
// service instances (10 and 10,000 organizations) plus the baseline servers on free 127.0.0.1
// ports, runs every scenario, stops everything it started, writes bench/results/<time>.json and
// rewrites the generated part of BENCHMARKS.md.
//
// Optional environment: BENCH_ROUNDS (default 5), BENCH_SECONDS per run (default 4),
// BENCH_CPU_PROFILE=1 (CPU profiles of both service instances into .local/bench/profiles),
// LOCAL_DB_BACKEND=sqlite (FerretDB's SQLite backend instead of PostgreSQL), BENCH_ONLY=<keys>
// (comma-separated throughput scenarios, e.g. record_read,health: runs just those and prints their
// figures, writing no result file; for profiling one path at a time).
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
const wantsLarge = !only || only.has('org_get_10k');

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
const { buildService, cpuSeconds, startService, startBaseline, runJsonScript, stopAllChildren, stopChild, waitUntilIdle } =
  await import('./lib/processes.mjs');
const { runLoad, runFlood, measureLatency, httpGetter, summarize } = await import('./lib/load.mjs');
const { serviceNaming, seedOrganizations, seedMember, insertRecords, signToken, forEachLimited } = await import('./lib/seed.mjs');
const { evaluateTargets, latestOtherBackend, renderReport, writeBenchmarksMd } = await import('./lib/report.mjs');

const ISSUER = 'organization-management-service';
const AUDIENCE = 'organization-management-api';
const BENCH_PASSWORD = 'bench-correct-horse-battery';

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

  const jwtSecret = randomBytes(36).toString('base64url');
  const serviceEnv = (name) => ({
    NODE_ENV: 'production',
    MONGODB_URI: ferret.uri,
    MASTER_DB_NAME: `bench_${name}_master`,
    TENANT_DB_NAME: `bench_${name}_tenant`,
    JWT_SECRET: jwtSecret,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    LOG_LEVEL: 'warn',
    ARGON2_MEMORY_KIB: String(settings.argon2.memoryKiB),
    ARGON2_TIME_COST: String(settings.argon2.timeCost),
    ARGON2_PARALLELISM: String(settings.argon2.parallelism),
    LOGIN_MAX_FAILURES_PER_IP: String(settings.loginLimits.perIp),
    ONBOARDING_RATE_LIMIT: '1000000',
    // The record scenarios measure reads and writes of one organization, not its fair-share 429s.
    TENANT_RATE_LIMIT: '1000000',
    LOGIN_MAX_FAILURES_PER_EMAIL: String(settings.loginLimits.perEmail),
    LOGIN_WINDOW_SECONDS: String(settings.loginLimits.windowSeconds),
    TENANT_MODEL_CACHE_SIZE: String(settings.tenantModelCacheSize),
    RECONCILE_INTERVAL_SECONDS: String(settings.reconcileIntervalSeconds),
  });
  const profileDir = process.env.BENCH_CPU_PROFILE ? join(WORK, 'profiles') : undefined;
  const [small, large] = await Promise.all(
    ['small', ...(wantsLarge ? ['large'] : [])].map(async (name) =>
      startService({ label: `service (${name})`, entry, env: serviceEnv(name), port: await freePort(), profileDir }),
    ),
  );
  log(`service instances: small pid ${small.pid} ${small.baseUrl}${large ? `, large pid ${large.pid} ${large.baseUrl}` : ''}`);
  const databases = (name) => ({ master: client.db(`bench_${name}_master`), tenant: client.db(`bench_${name}_tenant`) });
  await Promise.all([waitForIndexes(databases('small').master), large && waitForIndexes(databases('large').master)]);

  // The small instance: one organization made through the API (login, records), 9 seeded.
  const mainOrg = { organization_name: 'Bench Main', email: 'bench-main@bench.example', password: BENCH_PASSWORD };
  const created = await call(small, 'POST', '/org/create', { body: mainOrg, expect: 201 });
  const mainToken = (await call(small, 'POST', '/admin/login', { body: { email: mainOrg.email, password: mainOrg.password }, expect: 200 }))
    .access_token;
  const record = await call(small, 'POST', '/org/records', {
    token: mainToken,
    body: { sku: 'A-1', qty: 3, tags: ['bench'] },
    expect: 201,
  });
  const passwordHash = (await databases('small').master.collection('accounts').findOne({ email: mainOrg.email })).password_hash;
  // A member-role API key of the same organization: the record read again, by a machine.
  const apiKey = (
    await call(small, 'POST', '/org/api-keys', { token: mainToken, body: { name: 'bench reader', role: 'member' }, expect: 201 })
  ).key;

  log(`seeding ${settings.smallOrgCount - 1}${large ? ` + ${settings.largeOrgCount}` : ''} organizations`);
  let seedStarted = performance.now();
  const smallOrgs = await seedOrganizations({
    ...databases('small'),
    naming,
    prefix: 'Bench Small',
    count: settings.smallOrgCount - 1,
    passwordHash,
  });
  const largeOrgs = large
    ? await seedOrganizations({ ...databases('large'), naming, prefix: 'Bench Large', count: settings.largeOrgCount, passwordHash })
    : [];
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`seeded in ${seedSeconds.toFixed(1)} s`);

  // A viewer of the main organization, written like the seeded owners, for the role-refusal scenario.
  const viewer = await seedMember({
    master: databases('small').master,
    naming,
    orgId: created.id,
    email: 'bench-viewer@bench.example',
    role: 'viewer',
    passwordHash,
  });
  const viewerToken = signToken({
    naming,
    secret: jwtSecret,
    issuer: ISSUER,
    audience: AUDIENCE,
    memberId: viewer.memberId,
    orgId: created.id,
    membershipId: viewer.membershipId,
  });
  // Signed with another key than the service's: refused with 401 before any database work.
  const foreignToken = signToken({
    naming,
    secret: randomBytes(36).toString('base64url'),
    issuer: ISSUER,
    audience: AUDIENCE,
    memberId: viewer.memberId,
    orgId: created.id,
    membershipId: viewer.membershipId,
  });

  const frameworkFloorPort = await freePort();
  const frameworkFloor = await startBaseline('framework floor', join(ROOT, 'bench/baselines/framework-floor.mjs'), [frameworkFloorPort]);
  const dataFloorPort = await freePort();
  const dataFloor = await startBaseline('data floor', join(ROOT, 'bench/baselines/data-floor.mjs'), [
    dataFloorPort,
    ferret.uri,
    'bench_small_tenant',
    created.collection_name,
    record.id,
  ]);
  const frameworkFloorUrl = `http://127.0.0.1:${frameworkFloorPort}`;
  const dataFloorUrl = `http://127.0.0.1:${dataFloorPort}`;

  const orgGetPath = (name) => `/org/get?organization_name=${encodeURIComponent(name)}`;
  const smallLookup = smallOrgs[Math.floor(smallOrgs.length / 2)].name;
  const largeLookup = largeOrgs[Math.floor(largeOrgs.length / 2)]?.name;
  const auth = { authorization: `Bearer ${mainToken}` };
  const c = settings.connections;

  /** Throughput scenarios, run in interleaved rounds so a noisy moment hits them all alike. */
  const scenarios = [
    { key: 'framework_floor', server: frameworkFloor, load: { url: `${frameworkFloorUrl}/health` } },
    { key: 'health', server: small, load: { url: `${small.baseUrl}/health` } },
    { key: 'data_floor', server: dataFloor, load: { url: `${dataFloorUrl}/` } },
    { key: 'org_get_10', server: small, load: { url: `${small.baseUrl}${orgGetPath(smallLookup)}` } },
    { key: 'record_read', server: small, load: { url: `${small.baseUrl}/org/records/${record.id}`, headers: auth } },
    {
      key: 'record_read_api_key',
      server: small,
      load: { url: `${small.baseUrl}/org/records/${record.id}`, headers: { authorization: `Bearer ${apiKey}` } },
    },
    {
      key: 'record_create',
      server: small,
      load: { url: `${small.baseUrl}/org/records`, method: 'POST', headers: auth, body: { sku: 'B-2', qty: 1, tags: ['bench'] } },
    },
    // Refused requests: another organization's delete (403), a viewer's record write (403), a token of an unknown key (401).
    {
      key: 'refused_cross_org',
      server: small,
      expectStatus: 403,
      load: {
        url: `${small.baseUrl}/org/delete?organization_name=${encodeURIComponent(smallOrgs[0].name)}`,
        method: 'DELETE',
        headers: auth,
      },
    },
    {
      key: 'refused_role',
      server: small,
      expectStatus: 403,
      load: {
        url: `${small.baseUrl}/org/records`,
        method: 'POST',
        headers: { authorization: `Bearer ${viewerToken}` },
        body: { sku: 'C-3', qty: 1, tags: ['bench'] },
      },
    },
    {
      key: 'refused_token',
      server: small,
      expectStatus: 401,
      load: { url: `${small.baseUrl}/org/records/${record.id}`, headers: { authorization: `Bearer ${foreignToken}` } },
    },
    // The organization's own name: nothing changes.
    {
      key: 'noop_update',
      server: small,
      load: { url: `${small.baseUrl}/org/update`, method: 'PUT', headers: auth, body: { organization_name: mainOrg.organization_name } },
    },
    {
      key: 'login',
      server: small,
      load: { url: `${small.baseUrl}/admin/login`, method: 'POST', body: { email: mainOrg.email, password: mainOrg.password } },
      // The delay histogram is reset by every scrape: one scrape before and one after bound the run.
      before: () => scrapeMetrics(small),
      after: async (run) => ({ ...run, eventLoopP99Ms: (await scrapeMetrics(small)).nodejs_eventloop_lag_p99_seconds * 1000 }),
    },
    {
      key: 'hash_ceiling',
      // The better of the two raw configurations: Node's default four libuv threads, and one per core.
      run: async (seconds) => {
        const loop = (env) =>
          runJsonScript(
            'hash ceiling',
            join(ROOT, 'bench/baselines/hash-ceiling.mjs'),
            [settings.argon2.memoryKiB, settings.argon2.timeCost, settings.argon2.parallelism, c, seconds],
            env,
          );
        const defaultPool = (await loop({})).perSecond;
        const threadPerCore = (await loop({ UV_THREADPOOL_SIZE: String(os.availableParallelism()) })).perSecond;
        return { perSecond: Math.max(defaultPool, threadPerCore), defaultPool, threadPerCore };
      },
    },
  ];
  // Last in each round: on FerretDB its queries outlast the run, and the next scenario waits for them.
  if (large) scenarios.push({ key: 'org_get_10k', server: large, load: { url: `${large.baseUrl}${orgGetPath(largeLookup)}` } });
  if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter(({ key }) => only.has(key)));
  const runScenario = async (scenario, seconds) => {
    await Promise.all([waitUntilIdle(ferret.pids()), scenario.server && waitUntilIdle(scenario.server.pid)]);
    if (scenario.run) return scenario.run(seconds);
    await scenario.before?.();
    const commandsBefore = await databaseCommands();
    const linesBefore = scenario.server.logLines?.();
    const cpuBefore = cpuReading(scenario.server.pid);
    const run = await runLoad({ ...scenario.load, expectStatus: scenario.expectStatus, connections: c, seconds });
    const cpuAfter = cpuReading(scenario.server.pid);
    const commands = await databaseCommands();
    const perResponse = (count) => (run.responses === 0 ? null : count / run.responses);
    const measured = {
      ...run,
      ...(scenario.expectStatus === undefined ? {} : { expectStatus: scenario.expectStatus }),
      cpuMicrosPerRequest: cpuPerRequest(cpuBefore, cpuAfter, run.requests),
      // Everything any client sent FerretDB during the run; the other processes are idle then.
      databaseReadsPerRequest: perResponse(commands.reads - commandsBefore.reads),
      databaseWritesPerRequest: perResponse(commands.writes - commandsBefore.writes),
      ...(linesBefore === undefined ? {} : { logLinesPerRequest: perResponse(scenario.server.logLines() - linesBefore) }),
    };
    return scenario.after ? scenario.after(measured) : measured;
  };
  /** CPU seconds so far of the process serving the scenario, the database and the load generator (this process). */
  const cpuReading = (serverPid) => {
    const own = process.cpuUsage();
    return { server: cpuSeconds(serverPid), database: cpuSeconds(ferret.pids()), loadGenerator: (own.user + own.system) / 1e6 };
  };
  const cpuPerRequest = (before, after, requests) =>
    Object.fromEntries(
      Object.keys(before).map((part) => [
        part,
        before[part] === null || after[part] === null || requests === 0 ? null : ((after[part] - before[part]) / requests) * 1e6,
      ]),
    );

  log(`warm-up: ${settings.warmupSeconds} s per scenario`);
  for (const scenario of scenarios.filter((s) => !s.run)) await runScenario(scenario, settings.warmupSeconds);
  const runs = Object.fromEntries(scenarios.map(({ key }) => [key, []]));
  const latencyRuns = { org_get_10: [], org_get_10k: [], driver_lookup_10: [], driver_lookup_10k: [] };
  const latencyProbes = only
    ? []
    : [
        ['org_get_10', () => httpGetter(`${small.baseUrl}${orgGetPath(smallLookup)}`)],
        ['org_get_10k', () => httpGetter(`${large.baseUrl}${orgGetPath(largeLookup)}`)],
        // The same reads by the driver alone: how the database itself scales with the count.
        ['driver_lookup_10', () => nameLookup(databases('small').master, naming.claimKey('org', naming.slugify(smallLookup)))],
        ['driver_lookup_10k', () => nameLookup(databases('large').master, naming.claimKey('org', naming.slugify(largeLookup)))],
      ];
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const scenario of scenarios) {
      log(`round ${round}/${settings.rounds}: ${scenario.key}`);
      runs[scenario.key].push(await runScenario(scenario, settings.seconds));
    }
    for (const [key, open] of latencyProbes) {
      log(`round ${round}/${settings.rounds}: ${key} latency (one at a time)`);
      await waitUntilIdle(ferret.pids());
      const probe = open();
      latencyRuns[key].push(await measureLatency({ once: probe.once, seconds: settings.latencySeconds }));
      probe.close();
    }
  }

  if (only) {
    for (const [key, list] of Object.entries(runs)) process.stdout.write(`${key} ${JSON.stringify(quickSummary(list))}\n`);
    return;
  }

  const queryPlans = {
    claimById: await queryPlan(databases('large').master, 'unique_claims', { _id: naming.claimKey('org', naming.slugify(largeLookup)) }),
    organizationById: await queryPlan(databases('large').master, 'organizations', { _id: new mongoose.mongo.ObjectId(largeOrgs[0].orgId) }),
    organizationBySlug: await queryPlan(databases('large').master, 'organizations', { slug: naming.slugify(largeLookup) }),
  };

  log('GET /health at rest and during a create flood');
  const healthUnderFlood = { atRest: [], duringFlood: [], flood: [] };
  let flooded = 0;
  for (let round = 1; round <= settings.rounds; round += 1) {
    await Promise.all([waitUntilIdle(ferret.pids()), waitUntilIdle(small.pid)]);
    const probe = httpGetter(`${small.baseUrl}/health`);
    healthUnderFlood.atRest.push(await measureLatency({ once: probe.once, seconds: settings.latencySeconds }));
    let floodUnderWay;
    const allConnectionsSent = new Promise((resolve) => (floodUnderWay = resolve));
    let sentThisRound = 0;
    const flood = runFlood({
      url: small.baseUrl,
      path: '/org/create',
      connections: settings.floodConnections,
      // Outlasts the probe, so that every probe request meets the flood.
      seconds: settings.latencySeconds + 2,
      bodyOf: () => {
        flooded += 1;
        if ((sentThisRound += 1) === settings.floodConnections) floodUnderWay();
        return {
          organization_name: `Bench Flood ${round} ${flooded}`,
          email: `bench-flood-${round}-${flooded}@bench.example`,
          password: BENCH_PASSWORD,
        };
      },
    });
    await allConnectionsSent;
    healthUnderFlood.duringFlood.push(await measureLatency({ once: probe.once, seconds: settings.latencySeconds }));
    healthUnderFlood.flood.push(await flood);
    probe.close();
  }
  // The creates the hasher had queued when the flood stopped are still running; the next ones must not meet a full hasher.
  await waitUntilIdle(small.pid);

  log('rename scenario');
  const renames = [];
  for (const size of settings.renameSizes) {
    const org = { organization_name: `Bench Rename ${size}`, email: `bench-rename-${size}@bench.example`, password: BENCH_PASSWORD };
    const renamed = await call(small, 'POST', '/org/create', { body: org, expect: 201 });
    let token = (await call(small, 'POST', '/admin/login', { body: { email: org.email, password: org.password }, expect: 200 }))
      .access_token;
    await insertRecords(databases('small').tenant, renamed.collection_name, size);
    const seconds = [];
    let collection = renamed.collection_name;
    for (let i = 1; i <= settings.renameRepeats; i += 1) {
      const started = performance.now();
      const result = await call(small, 'PUT', '/org/update', {
        token,
        body: { organization_name: `Bench Rename ${size} r${i}` },
        expect: 200,
      });
      seconds.push((performance.now() - started) / 1000);
      if (result.documents_migrated !== size) throw new Error(`rename moved ${result.documents_migrated} of ${size} documents`);
      token = result.access_token;
      collection = result.current_collection;
    }
    // The two database commands a rename is made of, timed alone through the driver: the
    // metadata-only move and the document count the response reports (collStats).
    const tenant = databases('small').tenant;
    const renameMs = [];
    const countMs = [];
    for (let i = 0; i < settings.renameRepeats; i += 1) {
      let started = performance.now();
      await tenant.renameCollection(collection, `${collection}_probe`);
      renameMs.push(performance.now() - started);
      await tenant.renameCollection(`${collection}_probe`, collection);
      started = performance.now();
      await tenant.command({ collStats: collection });
      countMs.push(performance.now() - started);
    }
    renames.push({
      documents: size,
      seconds: summarize(seconds),
      documentsPerSecond: summarize(seconds.map((s) => size / s)),
      driverRenameCollectionMs: summarize(renameMs),
      driverCollStatsMs: summarize(countMs),
    });
  }

  log('memory scenario');
  const memory = [{ organizationsUsed: 0, ...(await memoryReading(large)) }];
  let used = 0;
  for (const checkpoint of settings.memoryCheckpoints) {
    await forEachLimited(largeOrgs.slice(used, checkpoint), c, async (org) => {
      const token = signToken({
        naming,
        secret: jwtSecret,
        issuer: ISSUER,
        audience: AUDIENCE,
        memberId: org.memberId,
        orgId: org.orgId,
        membershipId: org.membershipId,
      });
      await call(large, 'GET', '/org/records?limit=1', { token, expect: 200 });
    });
    used = checkpoint;
    memory.push({ organizationsUsed: used, ...(await memoryReading(large)) });
  }

  await Promise.all([stopChild(frameworkFloor.child), stopChild(dataFloor.child), stopChild(small.child), stopChild(large.child)]);

  const throughput = Object.fromEntries(
    Object.entries(runs).map(([key, list]) => [
      key,
      {
        perSecond: summarize(list.map((r) => r.perSecond)),
        ...(list[0].latencyP50Ms === undefined
          ? {}
          : { latencyP50Ms: summarize(list.map((r) => r.latencyP50Ms)), latencyP99Ms: summarize(list.map((r) => r.latencyP99Ms)) }),
        ...(list[0].eventLoopP99Ms === undefined ? {} : { eventLoopP99Ms: summarize(list.map((r) => r.eventLoopP99Ms)) }),
        ...(list[0].threadPerCore === undefined
          ? {}
          : { defaultPool: summarize(list.map((r) => r.defaultPool)), threadPerCore: summarize(list.map((r) => r.threadPerCore)) }),
        ...(list[0].cpuMicrosPerRequest === undefined
          ? {}
          : {
              cpuMicrosPerRequest: Object.fromEntries(
                Object.keys(list[0].cpuMicrosPerRequest).map((part) => [
                  part,
                  summarize(list.map((r) => r.cpuMicrosPerRequest[part] ?? NaN)),
                ]),
              ),
            }),
        ...Object.fromEntries(
          ['databaseReadsPerRequest', 'databaseWritesPerRequest', 'logLinesPerRequest']
            .filter((field) => list[0][field] !== undefined && list[0][field] !== null)
            .map((field) => [field, summarize(list.map((r) => r[field]))]),
        ),
        ...(list[0].expectStatus === undefined ? {} : { expectStatus: list[0].expectStatus }),
        unexpected: list.reduce((sum, r) => sum + (r.unexpected ?? 0), 0),
        errors: list.reduce((sum, r) => sum + (r.errors ?? 0), 0),
      },
    ]),
  );
  const latency = Object.fromEntries(
    Object.entries(latencyRuns).map(([key, list]) => [
      key,
      {
        p50Ms: summarize(list.map((r) => r.p50Ms)),
        p99Ms: summarize(list.map((r) => r.p99Ms)),
        failures: list.reduce((s, r) => s + r.failures, 0),
      },
    ]),
  );
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    backend: ferret.backend,
    settings,
    seedSeconds,
    throughput,
    latency,
    queryPlans,
    renames,
    memory,
    healthUnderFlood: {
      atRestP99Ms: summarize(healthUnderFlood.atRest.map((r) => r.p99Ms)),
      duringFloodP99Ms: summarize(healthUnderFlood.duringFlood.map((r) => r.p99Ms)),
      atRestP50Ms: summarize(healthUnderFlood.atRest.map((r) => r.p50Ms)),
      duringFloodP50Ms: summarize(healthUnderFlood.duringFlood.map((r) => r.p50Ms)),
      failures: healthUnderFlood.duringFlood.reduce((sum, r) => sum + r.failures, 0),
      floodStatusCodes: healthUnderFlood.flood.reduce((sums, r) => {
        for (const [status, count] of Object.entries(r.statusCodes)) sums[status] = (sums[status] ?? 0) + count;
        return sums;
      }, {}),
      floodErrors: healthUnderFlood.flood.reduce((sum, r) => sum + r.errors, 0),
    },
  };
  results.targets = evaluateTargets(results);

  const file = join(ROOT, 'bench', 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const other = latestOtherBackend(join(ROOT, 'bench', 'results'), results.backend);
  const report = renderReport(results, relative(ROOT, file), other && { ...other, file: relative(ROOT, other.file) });
  writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), report);
  process.stdout.write(`${report}\n`);
  log(`results: ${relative(ROOT, file)}; BENCHMARKS.md rewritten`);
}

const READ_COMMANDS = new Set([
  'find',
  'getMore',
  'aggregate',
  'count',
  'distinct',
  'listCollections',
  'listIndexes',
  'collStats',
  'dbStats',
]);
const WRITE_COMMANDS = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'create',
  'drop',
  'createIndexes',
  'dropIndexes',
  'renameCollection',
]);

/** Data commands FerretDB has received so far, from its metrics (heartbeats and handshakes not counted). */
async function databaseCommands() {
  const text = await (await fetch(ferret.metricsUrl)).text();
  const totals = { reads: 0, writes: 0 };
  for (const match of text.matchAll(/^ferretdb_client_requests_total\{command="([^"]+)"[^}]*\} (\d+)$/gm)) {
    if (READ_COMMANDS.has(match[1])) totals.reads += Number(match[2]);
    else if (WRITE_COMMANDS.has(match[1])) totals.writes += Number(match[2]);
  }
  return totals;
}

/** BENCH_ONLY's figures of one scenario: medians of its runs. */
function quickSummary(list) {
  const median = (values) => summarize(values.filter((v) => typeof v === 'number' && !Number.isNaN(v))).median;
  const fields = ['perSecond', 'databaseReadsPerRequest', 'databaseWritesPerRequest', 'logLinesPerRequest', 'eventLoopP99Ms', 'unexpected'];
  return {
    ...Object.fromEntries(
      fields.filter((f) => list[0][f] !== undefined).map((f) => [f, Math.round(median(list.map((r) => r[f])) * 100) / 100]),
    ),
    ...(list[0].cpuMicrosPerRequest
      ? {
          serverCpuMicros: Math.round(median(list.map((r) => r.cpuMicrosPerRequest.server))),
          databaseCpuMicros: Math.round(median(list.map((r) => r.cpuMicrosPerRequest.database))),
        }
      : {}),
  };
}

/** One HTTP call to a service instance; fails the bench on an unexpected status. */
async function call(instance, method, path, { token, body, expect }) {
  const response = await fetch(`${instance.baseUrl}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`${method} ${path}: expected ${expect}, got ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * The read a repeated GET /org/get makes, by the driver: the organization by `_id` (the service
 * remembers which organization held the name and checks that it still does).
 */
function nameLookup(master, claimId) {
  let ownerId;
  const once = async () => {
    ownerId ??= (await master.collection('unique_claims').findOne({ _id: claimId }))?.owner_id;
    return ownerId !== undefined && (await master.collection('organizations').findOne({ _id: ownerId })) !== null;
  };
  return { once, close: () => undefined };
}

/** What the database says it does for a query (FerretDB: the plan of its SQLite or PostgreSQL backend). */
async function queryPlan(master, collection, filter) {
  const plan = await master.collection(collection).find(filter).explain();
  return JSON.stringify({ plan: plan.queryPlanner?.Plan ?? plan.queryPlanner?.winningPlan, filterPushdown: plan.filterPushdown });
}

/** Unlabelled series of a /metrics scrape, by name. */
async function scrapeMetrics(instance) {
  const text = await (await fetch(`${instance.baseUrl}/metrics`)).text();
  const values = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (match) values[match[1]] = Number(match[2]);
  }
  return values;
}

async function memoryReading(instance) {
  const metrics = await scrapeMetrics(instance);
  return {
    residentMiB: metrics.process_resident_memory_bytes / 2 ** 20,
    heapUsedMiB: metrics.nodejs_heap_size_used_bytes / 2 ** 20,
    tenantModelCacheSize: metrics.tenant_model_cache_size,
  };
}

/** Mongoose builds the master indexes in the background after start-up; measure only once they exist. */
async function waitForIndexes(master) {
  const wanted = [
    ['organizations', 'slug_1'],
    ['accounts', 'email_1'],
    ['memberships', 'org_id_1_account_id_1'],
  ];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const present = await Promise.all(
      wanted.map(([collection, index]) =>
        master
          .collection(collection)
          .indexes()
          .then(
            (list) => list.some((i) => i.name === index),
            () => false,
          ),
      ),
    );
    if (present.every(Boolean)) return;
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error('the service did not create its master indexes within 30 s');
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
