#!/usr/bin/env node
// npm run bench:webhooks: what webhooks cost and how fast they go. Starts FerretDB, a local
// webhook receiver (a child process on 127.0.0.1 answering 204, bench/lib/webhook-receiver.mjs)
// and the built service in production mode with WEBHOOK_ALLOW_PRIVATE_TARGETS=true, then measures:
//   - cpu: the service's CPU per POST /org/records (autocannon, BENCH_WEBHOOK_CONNECTIONS
//     connections, BENCH_WEBHOOK_SECONDS per run) in one organization with 0 webhook endpoints and
//     with 3 endpoints subscribed to it (all event types), in BENCH_WEBHOOK_ROUNDS interleaved
//     rounds (0 then 3, then 3 then 0, ...); record creates are not audited, so they make no events
//     and the 3 endpoints should cost nothing per request (target: within 1.1x). Each case is also
//     run while events flow: a trickle of audited actions (API key create, then revoke, in the
//     same organization) at BENCH_WEBHOOK_TRICKLE events/s beside the load, so that 3 endpoints
//     (each event delivered 3 times) compare with 0 under the same requests;
//   - delivery: 3 endpoints (two organizations' endpoints and one platform endpoint), then a burst
//     of BENCH_WEBHOOK_EVENTS audited events (API key create/revoke pairs, 8 in flight, through
//     BENCH_WEBHOOK_ORGS organizations) as fast as the API takes them: deliveries per second at
//     the receiver (from the first event's `data.at` to the last arrival), the rate at which the
//     backlog drained once the events were all written (the sustained rate), and the delivery lag
//     (arrival at the receiver less the event's `data.at`) p50/p99/max; then a paced run of
//     BENCH_WEBHOOK_PACED_EVENTS events at BENCH_WEBHOOK_PACED_FRACTION of the sustained rate,
//     whose lag is the lag at that rate rather than the burst's queueing.
// BENCH_QUICK=1 makes every size small (a check that it works); BENCH_WEBHOOK_STAGES (default
// cpu,delivery) picks stages; BENCH_WEBHOOK_POLL_MS sets the service's WEBHOOK_POLL_MS (its
// default, 500, otherwise). Writes bench/results/webhooks-<time>.json and prints a Markdown table.
// Stops what it started.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, '.local', 'bench-webhooks');
const QUICK = process.env.BENCH_QUICK === '1';
const setting = (name, full, quick) => Number(process.env[name] ?? (QUICK ? quick : full));
const STAGES = new Set((process.env.BENCH_WEBHOOK_STAGES ?? 'cpu,delivery').split(','));
const ROUNDS = setting('BENCH_WEBHOOK_ROUNDS', 5, 2);
const SECONDS = setting('BENCH_WEBHOOK_SECONDS', 5, 2);
const CONNECTIONS = setting('BENCH_WEBHOOK_CONNECTIONS', 16, 16);
const TRICKLE_PER_SECOND = setting('BENCH_WEBHOOK_TRICKLE', 20, 20);
const EVENTS = setting('BENCH_WEBHOOK_EVENTS', 2000, 200);
const ORGS = setting('BENCH_WEBHOOK_ORGS', 4, 4);
const PACED_EVENTS = setting('BENCH_WEBHOOK_PACED_EVENTS', 1000, 100);
const PACED_FRACTION = setting('BENCH_WEBHOOK_PACED_FRACTION', 0.8, 0.8);
const DRAIN_SECONDS = setting('BENCH_WEBHOOK_DRAIN_SECONDS', 300, 60);
const POLL_MS = process.env.BENCH_WEBHOOK_POLL_MS;
const ENDPOINTS = 3;
const GENERATORS = 8;
const API_KEY_EVENTS = new Set(['api_key.created', 'api_key.revoked']);

const { startFerretDb, freePort, describeBackend, FERRETDB_VERSION } = await import('../scripts/ferretdb.mjs');
const { benchServiceEnv, buildService, cpuSeconds, machineOf, startBaseline, startService, stopAllChildren, waitUntilIdle } =
  await import('./lib/processes.mjs');
const { median, percentile, runLoad, summarize } = await import('./lib/load.mjs');
const { serviceApi } = await import('./lib/api.mjs');
const { saveResults } = await import('./lib/report.mjs');

const started = performance.now();
const log = (message) =>
  process.stderr.write(`[bench:webhooks ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
const round = (value, digits = 2) => (value === null || value === undefined || Number.isNaN(value) ? null : Number(value.toFixed(digits)));
const sleep = (ms) => new Promise((wake) => setTimeout(wake, Math.max(0, ms)));

/** p50, p99 and max of a list of milliseconds (null when empty). */
function lagOf(values) {
  if (values.length === 0) return { count: 0, p50_ms: null, p99_ms: null, max_ms: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99), max_ms: sorted.at(-1) };
}

const servers = [];
try {
  mkdirSync(WORK, { recursive: true });
  log('building the service');
  const entry = buildService(ROOT, join(WORK, 'dist'));
  const db = await startFerretDb();
  servers.push(db);
  log(`database: FerretDB ${FERRETDB_VERSION}, ${describeBackend(db)}`);
  const receiver = await startBaseline('webhook receiver', join(ROOT, 'bench', 'lib', 'webhook-receiver.mjs'), []);
  const hookUrl = (name) => `http://127.0.0.1:${receiver.ready.port}/hooks/${name}`;
  /** The receiver's rows since the last take: [arrival, data.at, webhook-id, type, path, organization id]. */
  const take = () =>
    new Promise((resolveTake) => {
      receiver.child.once('message', ({ rows }) => resolveTake(rows));
      receiver.child.send('take');
    });
  const operatorKey = randomBytes(32).toString('hex');
  const env = benchServiceEnv(db.uri, {
    PLATFORM_API_KEYS: operatorKey,
    TENANT_MAX_DOCUMENTS: '10000000',
    // The receiver is on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    ...(POLL_MS ? { WEBHOOK_POLL_MS: POLL_MS } : {}),
  });
  const service = await startService({ label: 'service', entry, env, port: await freePort() });
  const { call, newOrg } = serviceApi(service.baseUrl);
  const idle = () => waitUntilIdle([service.pid, ...db.pids()], 120_000);
  /** CPU seconds so far of the service, of the database (FerretDB and PostgreSQL) and of this process (the load generator). */
  const cpuNow = () => {
    const own = process.cpuUsage();
    return { service: cpuSeconds(service.pid), database: cpuSeconds(db.pids()), bench: (own.user + own.system) / 1e6 };
  };
  const cpuSince = (before) => {
    const now = cpuNow();
    return Object.fromEntries(Object.keys(now).map((part) => [part, now[part] - before[part]]));
  };
  const expectStatus = (what, answer, status) => {
    if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  /** One audited pair in the organization: an API key created, then revoked (two events). */
  const apiKeyPair = async (token) => {
    const key = expectStatus(
      'API key create',
      await call('POST', '/org/api-keys', { token, body: { name: 'bench', role: 'viewer' } }),
      201,
    );
    expectStatus('API key revoke', await call('DELETE', `/org/api-keys/${key.id}`, { token }), 204);
  };

  const results = {
    at: new Date().toISOString(),
    machine: machineOf(`FerretDB ${FERRETDB_VERSION}, ${describeBackend(db)}`),
    settings: {
      quick: QUICK,
      rounds: ROUNDS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      trickle_events_per_second: TRICKLE_PER_SECOND,
      events: EVENTS,
      paced_events: PACED_EVENTS,
      paced_fraction: PACED_FRACTION,
      organizations: ORGS,
      endpoints: ENDPOINTS,
      generators: GENERATORS,
      webhook_poll_ms: Number(POLL_MS ?? 500),
    },
  };

  // ---------------------------------------------------------------------------------------------
  // CPU: POST /org/records with 0 and with 3 endpoints, and with 3 while events flow.
  if (STAGES.has('cpu')) {
    const { token } = await newOrg('Webhooks cpu');
    const subscribe = async () => {
      const ids = [];
      for (let i = 0; i < ENDPOINTS; i += 1)
        ids.push(
          expectStatus('webhook create', await call('POST', '/org/webhooks', { token, body: { url: hookUrl(`cpu-${i}`) } }), 201).id,
        );
      return ids;
    };
    const unsubscribe = async (ids) => {
      for (const id of ids) expectStatus('webhook delete', await call('DELETE', `/org/webhooks/${id}`, { token }), 204);
    };
    /**
     * API key create/revoke pairs started every 2000 / TRICKLE_PER_SECOND ms (at most 4 in flight;
     * a tick past that is skipped and counted), until stop().
     */
    const startTrickle = () => {
      let events = 0;
      let skipped = 0;
      let failures = 0;
      const inFlight = new Set();
      const t0 = performance.now();
      const timer = setInterval(() => {
        if (inFlight.size >= 4) {
          skipped += 1;
          return;
        }
        const pair = apiKeyPair(token)
          .then(
            () => (events += 2),
            () => (failures += 1),
          )
          .finally(() => inFlight.delete(pair));
        inFlight.add(pair);
      }, 2000 / TRICKLE_PER_SECOND);
      return async () => {
        clearInterval(timer);
        const seconds = (performance.now() - t0) / 1000;
        await Promise.all(inFlight);
        return { events, events_per_second: round(events / seconds, 1), skipped_ticks: skipped, failed_pairs: failures };
      };
    };
    const POST_RECORD = { url: `${service.baseUrl}/org/records`, method: 'POST', headers: { authorization: `Bearer ${token}` } };
    /** One run of the load, with or without the trickle beside it: the service's CPU, and the trickle's deliveries' lag. */
    const measure = async ({ trickle }) => {
      await idle();
      await take();
      const stopTrickle = trickle ? startTrickle() : null;
      const before = cpuNow();
      const run = await runLoad({ ...POST_RECORD, body: { sku: 'bench', qty: 1 }, connections: CONNECTIONS, seconds: SECONDS });
      const cpu = cpuSince(before);
      const trickled = stopTrickle ? await stopTrickle() : null;
      // The trickle's last deliveries: done once the service and the database are idle again.
      if (trickle) await idle();
      const rows = (await take()).filter(([, , , type]) => API_KEY_EVENTS.has(type));
      return {
        requests: run.requests,
        requests_per_second: round(run.perSecond, 0),
        unexpected: run.unexpected + run.errors,
        cpu_seconds: { service: round(cpu.service, 3), database: round(cpu.database, 3), bench: round(cpu.bench, 3) },
        service_cpu_us_per_request: run.requests ? round((cpu.service / run.requests) * 1e6, 0) : null,
        trickle: trickled,
        deliveries: rows.length,
        lag: lagOf(rows.map(([arrival, at]) => arrival - at)),
      };
    };
    log('cpu: warm-up');
    await runLoad({ ...POST_RECORD, body: { sku: 'warm-up' }, connections: CONNECTIONS, seconds: 2 });
    const warmUpEndpoints = await subscribe();
    const stopWarmUp = startTrickle();
    await sleep(2000);
    await stopWarmUp();
    await unsubscribe(warmUpEndpoints);
    // Interleaved: 0 endpoints then 3 in odd rounds, 3 then 0 in even ones, so that drift falls on both.
    const runs = { none: [], three: [], none_with_trickle: [], three_with_trickle: [] };
    const withNone = async () => {
      runs.none.push(await measure({ trickle: false }));
      runs.none_with_trickle.push(await measure({ trickle: true }));
    };
    const withThree = async () => {
      const endpoints = await subscribe();
      runs.three.push(await measure({ trickle: false }));
      runs.three_with_trickle.push(await measure({ trickle: true }));
      await unsubscribe(endpoints);
    };
    for (let r = 0; r < ROUNDS; r += 1) {
      if (r % 2 === 0) {
        await withNone();
        await withThree();
      } else {
        await withThree();
        await withNone();
      }
      const perRequest = (key) => runs[key][r].service_cpu_us_per_request;
      log(
        `cpu round ${r + 1}/${ROUNDS}: service µs per record create: 0 endpoints ${perRequest('none')}, 3 endpoints ${perRequest('three')}; ` +
          `with the trickle (${runs.three_with_trickle[r].trickle.events_per_second} events/s): 0 endpoints ${perRequest('none_with_trickle')}, 3 endpoints ${perRequest('three_with_trickle')}`,
      );
    }
    const over = (key, field = 'service_cpu_us_per_request') => summarize(runs[key].map((run) => run[field]));
    const ratio = (key, base) => ({
      // Ratio of the medians, and the same ratio within each round (where drift cancels).
      of_medians: round(over(key).median / over(base).median, 3),
      per_round: runs[key].map((run, r) => round(run.service_cpu_us_per_request / runs[base][r].service_cpu_us_per_request, 3)),
    });
    const lagMedians = (key) => ({
      p50: median(runs[key].map((run) => run.lag.p50_ms).filter((v) => v !== null)),
      p99: median(runs[key].map((run) => run.lag.p99_ms).filter((v) => v !== null)),
      max: Math.max(...runs[key].map((run) => run.lag.max_ms ?? 0)),
      deliveries: runs[key].reduce((sum, run) => sum + run.deliveries, 0),
    });
    results.cpu = {
      service_cpu_us_per_request: Object.fromEntries(Object.keys(runs).map((key) => [key, over(key)])),
      requests_per_second: Object.fromEntries(Object.keys(runs).map((key) => [key, over(key, 'requests_per_second')])),
      ratio_three_over_none: ratio('three', 'none'),
      ratio_three_over_none_with_trickle: ratio('three_with_trickle', 'none_with_trickle'),
      trickle_events_per_second: summarize(
        [...runs.none_with_trickle, ...runs.three_with_trickle].map((run) => run.trickle.events_per_second),
      ),
      // The trickle's deliveries (3 endpoints): per run p50 and p99, the medians of those over the rounds.
      trickle_lag_ms: lagMedians('three_with_trickle'),
      unexpected_answers: Object.values(runs)
        .flat()
        .reduce((sum, run) => sum + run.unexpected, 0),
      runs,
    };
    log(`cpu: ${JSON.stringify({ ...results.cpu, runs: undefined })}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Delivery: 3 endpoints, EVENTS events through ORGS organizations as fast as the API takes them.
  if (STAGES.has('delivery')) {
    const orgs = [];
    for (let i = 0; i < ORGS; i += 1) orgs.push(await newOrg('Webhooks delivery'));
    const endpoints = [
      { path: '/hooks/org-a', owner: orgs[0] },
      { path: '/hooks/org-b', owner: orgs[1 % ORGS] },
      { path: '/hooks/platform', owner: null },
    ];
    for (const endpoint of endpoints) {
      const body = { url: hookUrl(endpoint.path.slice('/hooks/'.length)) };
      const created = endpoint.owner
        ? await call('POST', '/org/webhooks', { token: endpoint.owner.token, body })
        : await call('POST', '/platform/webhooks', { token: operatorKey, body });
      expectStatus('webhook create', created, 201);
    }
    const orgIds = new Set(orgs.map(({ org }) => org.id));
    /**
     * `events` events (API key create/revoke pairs, round-robin over the organizations, at most
     * GENERATORS pairs in flight): as fast as the API takes them, or one pair every
     * 2000 / `eventsPerSecond` ms; then waits for their deliveries and measures them.
     */
    const deliver = async (label, events, eventsPerSecond) => {
      await idle();
      await take();
      log(`delivery ${label}: ${events} events through ${ORGS} organizations${eventsPerSecond ? ` at ${eventsPerSecond} events/s` : ''}`);
      const pairs = Math.ceil(events / 2);
      const eventsPerOrg = new Map();
      let next = 0;
      const before = cpuNow();
      const generationStart = Date.now();
      await Promise.all(
        Array.from({ length: GENERATORS }, async () => {
          while (next < pairs) {
            const n = next;
            next += 1;
            const { org, token } = orgs[n % ORGS];
            if (eventsPerSecond) await sleep(generationStart + (n * 2000) / eventsPerSecond - Date.now());
            await apiKeyPair(token);
            eventsPerOrg.set(org.id, (eventsPerOrg.get(org.id) ?? 0) + 2);
          }
        }),
      );
      const generationEnd = Date.now();
      const generated = pairs * 2;
      // Each event once at the platform endpoint, and the events of its organization at each organization's endpoint.
      const expected = generated + endpoints.filter((e) => e.owner).reduce((sum, e) => sum + (eventsPerOrg.get(e.owner.org.id) ?? 0), 0);
      log(
        `delivery ${label}: ${generated} events written in ${((generationEnd - generationStart) / 1000).toFixed(1)} s; waiting for ${expected} deliveries`,
      );
      const rows = [];
      const seen = new Set();
      let duplicates = 0;
      const drainDeadline = Date.now() + DRAIN_SECONDS * 1000;
      let lastLog = Date.now();
      while (seen.size < expected && Date.now() < drainDeadline) {
        await sleep(200);
        for (const row of await take()) {
          const [, , id, type, path, orgId] = row;
          if (!API_KEY_EVENTS.has(type) || !orgIds.has(orgId)) continue;
          const key = `${id} ${path}`;
          if (seen.has(key)) duplicates += 1;
          else {
            seen.add(key);
            rows.push(row);
          }
        }
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`delivery ${label}: ${seen.size} of ${expected} delivered`);
        }
      }
      const cpu = cpuSince(before);
      if (rows.length === 0) throw new Error(`delivery ${label}: nothing arrived within ${DRAIN_SECONDS} s`);
      const firstEventAt = Math.min(...rows.map(([, at]) => at));
      const lastArrival = Math.max(...rows.map(([arrival]) => arrival));
      const spanSeconds = (lastArrival - firstEventAt) / 1000;
      const afterGeneration = rows.filter(([arrival]) => arrival > generationEnd).length;
      const distinctEvents = new Set(rows.map(([, , id]) => id)).size;
      const figures = {
        events: generated,
        asked_events_per_second: eventsPerSecond ?? null,
        generation_seconds: round((generationEnd - generationStart) / 1000, 2),
        generation_events_per_second: round(generated / ((generationEnd - generationStart) / 1000), 0),
        expected_deliveries: expected,
        deliveries: rows.length,
        missing: expected - rows.length,
        duplicates,
        distinct_events: distinctEvents,
        span_seconds: round(spanSeconds, 2),
        deliveries_per_second: round(rows.length / spanSeconds, 0),
        events_per_second: round(distinctEvents / spanSeconds, 0),
        // The backlog's drain: deliveries that arrived after the last event was written, over the time they took.
        drain: {
          deliveries: afterGeneration,
          seconds: round((lastArrival - generationEnd) / 1000, 2),
          deliveries_per_second: lastArrival > generationEnd ? round(afterGeneration / ((lastArrival - generationEnd) / 1000), 0) : null,
        },
        lag: lagOf(rows.map(([arrival, at]) => arrival - at)),
        by_endpoint: Object.fromEntries(
          endpoints.map(({ path }) => {
            const mine = rows.filter(([, , , , rowPath]) => rowPath === path);
            return [path, { deliveries: mine.length, lag: lagOf(mine.map(([arrival, at]) => arrival - at)) }];
          }),
        ),
        cpu_seconds: { service: round(cpu.service, 2), database: round(cpu.database, 2), bench: round(cpu.bench, 2) },
        // Everything the service did over the run (the API calls included), per delivery.
        service_cpu_us_per_delivery: round((cpu.service / rows.length) * 1e6, 0),
      };
      log(`delivery ${label}: ${JSON.stringify({ ...figures, by_endpoint: undefined })}`);
      return figures;
    };
    const burst = await deliver('burst', EVENTS);
    // What the dispatcher sustains, in events (each is expected_deliveries / events deliveries): the drain's rate, else the whole run's.
    const capacity = (burst.drain.deliveries_per_second ?? burst.deliveries_per_second) / (burst.expected_deliveries / burst.events);
    const pacedRate = Math.max(1, round(capacity * PACED_FRACTION, 0));
    const paced = await deliver('paced', PACED_EVENTS, pacedRate);
    results.delivery = {
      organizations: ORGS,
      endpoints: endpoints.map(({ path, owner }) => ({ path, kind: owner ? 'organization' : 'platform' })),
      burst,
      sustained_events_per_second: round(capacity, 1),
      paced_fraction: PACED_FRACTION,
      paced,
    };
  }

  results.duration_seconds = Math.round((performance.now() - started) / 1000);
  const file = saveResults(ROOT, 'webhooks', results);
  process.stdout.write(`${table(results)}\n`);
  log(`wrote ${file}`);
} finally {
  await stopAllChildren();
  for (const server of servers) await server.stop().catch(() => undefined);
}

function table(results) {
  const lines = ['| Stage | What | Figure | Ratio / target |', '|---|---|---:|---|'];
  const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
  const spread = ({ median: m, min, max }, unit) => `${Math.round(m)} ${unit} (${Math.round(min)}–${Math.round(max)})`;
  const { settings } = results;
  const c = results.cpu;
  if (c) {
    const what = `POST /org/records, ${settings.connections} connections, median of ${settings.rounds} interleaved rounds of ${settings.seconds} s`;
    const cpu = c.service_cpu_us_per_request;
    const perSecond = (key) => `${Math.round(c.requests_per_second[key].median)} req/s`;
    const ratio = ({ of_medians: ofMedians, per_round: perRound }) => `${ofMedians}× (per round ${perRound.join(', ')})`;
    const met = (value) => (value <= 1.1 ? 'met' : '**not met**');
    const trickle = `a trickle of ${c.trickle_events_per_second.median} events/s (API key create/revoke, same organization) beside the load`;
    row('cpu', `${what}, 0 endpoints`, `${spread(cpu.none, 'µs')} service CPU/request, ${perSecond('none')}`, 'baseline');
    row(
      'cpu',
      `${what}, 3 endpoints subscribed (no events: record creates are not audited)`,
      `${spread(cpu.three, 'µs')}, ${perSecond('three')}`,
      `${ratio(c.ratio_three_over_none)}; target ≤ 1.1×: ${met(c.ratio_three_over_none.of_medians)}`,
    );
    row(
      'cpu',
      `**events flowing**: ${what}, 0 endpoints, ${trickle}`,
      `${spread(cpu.none_with_trickle, 'µs')}, ${perSecond('none_with_trickle')}`,
      'baseline of the next row (CPU includes the trickle’s requests)',
    );
    row(
      'cpu',
      `**events flowing**: the same with 3 endpoints, each event delivered to all 3`,
      `${spread(cpu.three_with_trickle, 'µs')}, ${perSecond('three_with_trickle')}`,
      `${ratio(c.ratio_three_over_none_with_trickle)}; 1.1×: ${met(c.ratio_three_over_none_with_trickle.of_medians)}`,
    );
    const lag = c.trickle_lag_ms;
    row(
      'cpu',
      'the trickle’s delivery lag under the load (arrival − `data.at`; medians of the runs’ p50 / p99)',
      `p50 ${lag.p50} ms, p99 ${lag.p99} ms (max ${lag.max}; ${lag.deliveries} deliveries)`,
      '',
    );
    if (c.unexpected_answers) row('cpu', 'answers other than 2xx, or errors', String(c.unexpected_answers), '');
  }
  const d = results.delivery;
  if (d) {
    const to = `to 3 endpoints (2 organizations', 1 platform; API key create/revoke, ${d.organizations} organizations)`;
    const runRows = (label, r) => {
      row(
        'delivery',
        `${label}: ${r.events} events written`,
        `in ${r.generation_seconds} s, ${r.generation_events_per_second} events/s${r.asked_events_per_second ? ` (asked ${r.asked_events_per_second})` : ''}`,
        '',
      );
      row(
        'delivery',
        `${label}: delivered (2xx at the receiver), first event’s \`data.at\` to last arrival`,
        `${r.deliveries} of ${r.expected_deliveries} deliveries in ${r.span_seconds} s: **${r.deliveries_per_second} deliveries/s**, ${r.events_per_second} events/s`,
        `${r.missing} missing, ${r.duplicates} duplicates`,
      );
      row(
        'delivery',
        `${label}: backlog drained after the last event was written`,
        `${r.drain.deliveries} deliveries in ${r.drain.seconds} s: ${r.drain.deliveries_per_second ?? '–'} deliveries/s`,
        '',
      );
      row(
        'delivery',
        `${label}: delivery lag (arrival − \`data.at\`)`,
        `p50 ${r.lag.p50_ms} ms, **p99 ${r.lag.p99_ms} ms**, max ${r.lag.max_ms} ms`,
        Object.entries(r.by_endpoint)
          .map(([path, e]) => `${path.slice('/hooks/'.length)}: ${e.deliveries}, p99 ${e.lag.p99_ms} ms`)
          .join('; '),
      );
      row(
        'delivery',
        `${label}: service CPU over the run (API calls included), per delivery`,
        `${r.service_cpu_us_per_delivery} µs (service ${r.cpu_seconds.service} s, database ${r.cpu_seconds.database} s)`,
        '',
      );
    };
    row('delivery', `setup: events ${to}`, `burst: ${settings.generators} pairs in flight; paced: one pair every 2000/rate ms`, '');
    runRows('burst', d.burst);
    row('delivery', 'sustained rate (the burst’s drain, in events)', `${d.sustained_events_per_second} events/s`, '');
    runRows(`paced at ${d.paced_fraction}× the sustained rate`, d.paced);
  }
  return lines.join('\n');
}
