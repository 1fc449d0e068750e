// Throughput and cost per request: each throughput scenario under autocannon load, after a warm-up,
// in interleaved rounds (so a noisy moment hits them all alike). Per run: expected answers per
// second, latency, CPU per answer of the server, the database and the load generator, database
// commands and log lines per answer.
import os from 'node:os';
import { join } from 'node:path';
import { orgGetPath, scrapeMetrics } from '../lib/api.mjs';
import { runLoad, summarize } from '../lib/load.mjs';
import { cpuSeconds, runJsonScript, waitUntilIdle } from '../lib/processes.mjs';

/**
 * Runs the throughput scenarios (only those in `only`, BENCH_ONLY's keys, when given) on the
 * `small` and `large` service instances and `limited` (on the small one's databases, with
 * TENANT_RATE_LIMIT=`settings.limitedRate`; `large` and `limited` may be absent) and the baseline `floors`
 * (startFloors), acting as `fixtures` (prepareFixtures); `ferret` is the database, whose commands
 * and CPU are counted; `settings` gives rounds, seconds, warm-up and connections; `root` is the
 * checkout. `eachRound(round)`, when given, runs after each round's scenarios.
 * Answers `figures` (the result file's `throughput`: each figure's median and spread) and `quick`
 * (BENCH_ONLY's printed figures: medians only), both by scenario key.
 */
export async function measureThroughput({ root, settings, ferret, small, large, limited, floors, fixtures, only, eachRound, log }) {
  const { mainOrg, record, apiKey, mainToken, viewerToken, foreignToken, smallOrgs, lookups, suspended, outOfQuota } = fixtures;
  const auth = { authorization: `Bearer ${mainToken}` };
  const c = settings.connections;

  const scenarios = [
    { key: 'framework_floor', server: floors.framework, load: { url: `${floors.framework.baseUrl}/health` } },
    { key: 'health', server: small, load: { url: `${small.baseUrl}/health` } },
    { key: 'data_floor', server: floors.data, load: { url: `${floors.data.baseUrl}/` } },
    { key: 'org_get_10', server: small, load: { url: `${small.baseUrl}${orgGetPath(lookups.small)}` } },
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
    // Refused requests: another organization's delete (403), a viewer's record write (403), a token
    // of an unknown key (401), a suspended organization's read (403), a write past the quota (403),
    // a read past the organization's fair share (429).
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
    {
      key: 'refused_suspended',
      server: small,
      expectStatus: 403,
      load: { url: `${small.baseUrl}/org/records/${suspended.record.id}`, headers: { authorization: `Bearer ${suspended.token}` } },
    },
    {
      key: 'refused_quota',
      server: small,
      expectStatus: 403,
      load: {
        url: `${small.baseUrl}/org/records`,
        method: 'POST',
        headers: { authorization: `Bearer ${outOfQuota.token}` },
        body: { sku: 'Q-2', qty: 1, tags: ['bench'] },
      },
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
      before: () => scrapeMetrics(small.baseUrl),
      after: async (run) => ({ ...run, eventLoopP99Ms: (await scrapeMetrics(small.baseUrl)).nodejs_eventloop_lag_p99_seconds * 1000 }),
    },
    {
      key: 'hash_ceiling',
      // The better of the two raw configurations: Node's default four libuv threads, and one per core.
      run: async (seconds) => {
        const loop = (env) =>
          runJsonScript(
            'hash ceiling',
            join(root, 'bench/baselines/hash-ceiling.mjs'),
            [settings.argon2.memoryKiB, settings.argon2.timeCost, settings.argon2.parallelism, c, seconds],
            env,
          );
        const defaultPool = (await loop({})).perSecond;
        const threadPerCore = (await loop({ UV_THREADPOOL_SIZE: String(os.availableParallelism()) })).perSecond;
        return { perSecond: Math.max(defaultPool, threadPerCore), defaultPool, threadPerCore };
      },
    },
  ];
  if (limited) {
    scenarios.push({
      key: 'refused_rate',
      server: limited,
      expectStatus: 429,
      // The bucket lets TENANT_RATE_LIMIT requests a second through, plus a burst of as many: those
      // are answered 200, and counted apart (`tolerated`), not as unexpected.
      tolerate: { status: 200, perSecond: settings.limitedRate, burst: settings.limitedRate },
      load: { url: `${limited.baseUrl}/org/records/${record.id}`, headers: auth },
    });
  }
  // Last in each round: on FerretDB its queries outlast the run, and the next scenario waits for them.
  if (large) scenarios.push({ key: 'org_get_10k', server: large, load: { url: `${large.baseUrl}${orgGetPath(lookups.large)}` } });
  if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter(({ key }) => only.has(key)));

  /** CPU seconds so far of the process serving the scenario, the database and the load generator (this process). */
  const cpuReading = (serverPid) => {
    const own = process.cpuUsage();
    return { server: cpuSeconds(serverPid), database: cpuSeconds(ferret.pids()), loadGenerator: (own.user + own.system) / 1e6 };
  };
  const runScenario = async (scenario, seconds) => {
    await Promise.all([waitUntilIdle(ferret.pids()), scenario.server && waitUntilIdle(scenario.server.pid)]);
    if (scenario.run) return scenario.run(seconds);
    await scenario.before?.();
    const commandsBefore = await databaseCommands(ferret);
    const linesBefore = scenario.server.logLines?.();
    const cpuBefore = cpuReading(scenario.server.pid);
    const tolerate = scenario.tolerate && {
      status: scenario.tolerate.status,
      // A second more than the run, for the requests still answered as it ends.
      atMost: Math.ceil(scenario.tolerate.perSecond * (seconds + 1)) + scenario.tolerate.burst,
    };
    const run = await runLoad({ ...scenario.load, expectStatus: scenario.expectStatus, tolerate, connections: c, seconds });
    const cpuAfter = cpuReading(scenario.server.pid);
    const commands = await databaseCommands(ferret);
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

  log(`warm-up: ${settings.warmupSeconds} s per scenario`);
  for (const scenario of scenarios.filter((s) => !s.run)) await runScenario(scenario, settings.warmupSeconds);
  const runs = Object.fromEntries(scenarios.map(({ key }) => [key, []]));
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const scenario of scenarios) {
      log(`round ${round}/${settings.rounds}: ${scenario.key}`);
      runs[scenario.key].push(await runScenario(scenario, settings.seconds));
    }
    await eachRound?.(round);
  }
  const byKey = (summary) => Object.fromEntries(Object.entries(runs).map(([key, list]) => [key, summary(list)]));
  return { figures: byKey(figuresOf), quick: byKey(quickFiguresOf) };
}

const cpuPerRequest = (before, after, requests) =>
  Object.fromEntries(
    Object.keys(before).map((part) => [
      part,
      before[part] === null || after[part] === null || requests === 0 ? null : ((after[part] - before[part]) / requests) * 1e6,
    ]),
  );

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
async function databaseCommands(ferret) {
  const text = await (await fetch(ferret.metricsUrl)).text();
  const totals = { reads: 0, writes: 0 };
  for (const match of text.matchAll(/^ferretdb_client_requests_total\{command="([^"]+)"[^}]*\} (\d+)$/gm)) {
    if (READ_COMMANDS.has(match[1])) totals.reads += Number(match[2]);
    else if (WRITE_COMMANDS.has(match[1])) totals.writes += Number(match[2]);
  }
  return totals;
}

/** One scenario's figures in the result file: each measured figure summarized over its runs. */
function figuresOf(list) {
  return {
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
            Object.keys(list[0].cpuMicrosPerRequest).map((part) => [part, summarize(list.map((r) => r.cpuMicrosPerRequest[part] ?? NaN))]),
          ),
        }),
    ...Object.fromEntries(
      ['databaseReadsPerRequest', 'databaseWritesPerRequest', 'logLinesPerRequest']
        .filter((field) => list[0][field] !== undefined && list[0][field] !== null)
        .map((field) => [field, summarize(list.map((r) => r[field]))]),
    ),
    ...(list[0].expectStatus === undefined ? {} : { expectStatus: list[0].expectStatus }),
    unexpected: list.reduce((sum, r) => sum + (r.unexpected ?? 0), 0),
    ...(list[0].tolerated === undefined ? {} : { tolerated: list.reduce((sum, r) => sum + r.tolerated, 0) }),
    errors: list.reduce((sum, r) => sum + (r.errors ?? 0), 0),
  };
}

/** BENCH_ONLY's figures of one scenario: medians of its runs. */
function quickFiguresOf(list) {
  const median = (values) => summarize(values.filter((v) => typeof v === 'number' && !Number.isNaN(v))).median;
  const fields = [
    'perSecond',
    'databaseReadsPerRequest',
    'databaseWritesPerRequest',
    'logLinesPerRequest',
    'eventLoopP99Ms',
    'unexpected',
    'tolerated',
  ];
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
