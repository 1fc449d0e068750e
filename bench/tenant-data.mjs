#!/usr/bin/env node
// npm run bench:data: the tenant data API's figures. Starts FerretDB and the built service in
// production mode, then measures, each stage with an organization of its own:
//   - query: a filtered, sorted page (GET /org/records?filter={"status":"s42"}&sort=n&limit=20) over
//     BENCH_QUERY_RECORDS records (default 100,000) without and with an index on `status`: latency
//     (median, p95) and service and database CPU per request, the index's creation time, and the
//     plan the database reports for the same query; with/without as ratios. Each measurement is
//     BENCH_QUERY_REQUESTS requests (default 200), or fewer (at least 5) if BENCH_QUERY_SECONDS
//     (default 120) run out first;
//   - batch: 1,000 records in one POST /org/records/batch against 1,000 single POST /org/records,
//     one at a time and from 16 concurrent clients; three interleaved repeats, medians;
//   - transfer: for each of BENCH_TRANSFER_SIZES (default 10000,100000,1000000) records, an import
//     of a generated NDJSON body streamed into one POST /org/import (generated lazily, never held
//     whole), then GET /org/export streamed and counted: records/s, and the service's RSS sampled
//     every 100 ms (peak during each, and before); the largest size's peak as a ratio of the
//     smallest's. A size whose import would take longer than BENCH_TRANSFER_MAX_SECONDS (default
//     1500) at the rate the previous size measured is skipped, and the report says so; an export
//     still streaming after BENCH_EXPORT_MAX_SECONDS (default 900) is stopped there. An import
//     that fails (e.g. 408) or an export cut short is reported with how far it got, not thrown,
//     and the bench goes on. Also the plan the database reports for the export's page query.
// BENCH_DATA_STAGES (default query,batch,transfer) picks stages. Writes
// bench/results/tenant-data-<time>.json and prints a Markdown table. Stops what it started.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, '.local', 'bench-data');
const STAGES = new Set((process.env.BENCH_DATA_STAGES ?? 'query,batch,transfer').split(','));
const QUERY_RECORDS = Number(process.env.BENCH_QUERY_RECORDS ?? 100_000);
const QUERY_REQUESTS = Number(process.env.BENCH_QUERY_REQUESTS ?? 200);
const QUERY_SECONDS = Number(process.env.BENCH_QUERY_SECONDS ?? 120);
const TRANSFER_SIZES = (process.env.BENCH_TRANSFER_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const TRANSFER_MAX_SECONDS = Number(process.env.BENCH_TRANSFER_MAX_SECONDS ?? 1500);
const EXPORT_MAX_SECONDS = Number(process.env.BENCH_EXPORT_MAX_SECONDS ?? 900);
const BATCH_RECORDS = 1000;
const BATCH_REPEATS = 3;
const CONCURRENT_CLIENTS = 16;
const RSS_SAMPLE_MS = 100;
const QUERY_PATH = `/org/records?filter=${encodeURIComponent('{"status":"s42"}')}&sort=n&limit=20`;

const { default: mongoose } = await import('mongoose');
const { startFerretDb, freePort, describeBackend, FERRETDB_VERSION } = await import('../scripts/ferretdb.mjs');
const { benchServiceEnv, buildService, cpuSeconds, machineOf, startService, stopAllChildren, waitUntilIdle } =
  await import('./lib/processes.mjs');
const { median, percentile } = await import('./lib/load.mjs');
const { serviceApi } = await import('./lib/api.mjs');
const { saveResults } = await import('./lib/report.mjs');

const started = performance.now();
const log = (message) =>
  process.stderr.write(`[bench:data ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
const round = (value, digits = 2) => (value === null || value === undefined ? null : Number(value.toFixed(digits)));

/** A record's data: one of 100 statuses, its number, and 100 bytes of padding. */
const PAD = randomBytes(75).toString('base64');
const recordData = (i) => ({ status: `s${i % 100}`, n: i, pad: PAD });

/** Resident memory of a process in KiB, from /proc (null once it has ended). */
function rssKiB(pid) {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return null;
  }
}

/** Samples a process's RSS every RSS_SAMPLE_MS until stopped: the peak, the last and the count. */
function rssSampler(pid) {
  let peak = rssKiB(pid);
  let samples = 1;
  const timer = setInterval(() => {
    const now = rssKiB(pid);
    if (now !== null && now > peak) peak = now;
    samples += 1;
  }, RSS_SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      const last = rssKiB(pid);
      return { peak_mib: round(Math.max(peak, last ?? 0) / 1024, 1), end_mib: round(last / 1024, 1), samples };
    },
  };
}

const servers = [];
try {
  mkdirSync(WORK, { recursive: true });
  log('building the service');
  const dist = join(WORK, 'dist');
  const entry = buildService(ROOT, dist);
  const db = await startFerretDb();
  servers.push(db);
  log(`database: FerretDB ${FERRETDB_VERSION}, ${describeBackend(db)}`);
  const env = benchServiceEnv(db.uri, {
    // The largest import (1M records of ~210 bytes a line) under IMPORT_MAX_BYTES, and its records under the quota.
    IMPORT_MAX_BYTES: String(2 * 1024 ** 3),
    TENANT_MAX_DOCUMENTS: '10000000',
  });
  const service = await startService({ label: 'service', entry, env, port: await freePort() });
  const base = new URL(service.baseUrl);
  const mongo = await new mongoose.mongo.MongoClient(db.uri).connect();
  const idle = () => waitUntilIdle([service.pid, ...db.pids()], 600_000);
  /** CPU seconds so far of the service, of the database (FerretDB and PostgreSQL; also each apart), of this process. */
  const cpuNow = () => {
    const own = process.cpuUsage();
    const [ferretdb, ...postgres] = db.pids();
    return {
      service: cpuSeconds(service.pid),
      database: cpuSeconds([ferretdb, ...postgres]),
      ferretdb: cpuSeconds(ferretdb),
      postgres: cpuSeconds(postgres),
      bench: (own.user + own.system) / 1e6,
    };
  };
  const cpuSince = (before) => {
    const now = cpuNow();
    return Object.fromEntries(Object.keys(now).map((part) => [part, now[part] - before[part]]));
  };

  const api = serviceApi(service.baseUrl);
  const { call } = api;
  /** A new organization through the API, and a token of its owner (an admin). */
  const newOrg = (label) => api.newOrg(`Data ${label}`);
  /** `count` records from `first` on, through POST /org/records/batch, `inFlight` requests at a time. */
  const createByBatches = async (token, first, count, inFlight = 2) => {
    let next = first;
    const worker = async () => {
      while (next < first + count) {
        const from = next;
        next = Math.min(first + count, next + BATCH_RECORDS);
        const records = [];
        for (let i = from; i < next; i += 1) records.push(recordData(i));
        const { status, body } = await call('POST', '/org/records/batch', { token, body: { records } });
        if (status !== 201 || body.items.some((item) => !item.id))
          throw new Error(`batch: ${status} ${JSON.stringify(body).slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  };

  const results = {
    at: new Date().toISOString(),
    machine: machineOf(`FerretDB ${FERRETDB_VERSION}, ${describeBackend(db)}`),
    settings: { query_records: QUERY_RECORDS, query_requests: QUERY_REQUESTS, transfer_sizes: TRANSFER_SIZES, query: QUERY_PATH },
  };

  // ---------------------------------------------------------------------------------------------
  // Query: a filtered, sorted page without and with an index.
  if (STAGES.has('query')) {
    const { org, token } = await newOrg('query');
    const t0 = performance.now();
    await createByBatches(token, 0, QUERY_RECORDS);
    const seedSeconds = (performance.now() - t0) / 1000;
    log(`query: seeded ${QUERY_RECORDS} records by batches in ${seedSeconds.toFixed(1)} s`);
    // The page the filter must give: the 20 smallest n with n % 100 = 42.
    const expected = [];
    for (let i = 42; i < QUERY_RECORDS && expected.length < 20; i += 100) expected.push(i);
    // The same query the service sends, compiled by its own code, for the driver and the plan.
    const { compileRecordQuery } = await import(pathToFileURL(join(dist, 'records', 'query', 'record-query.js')).href);
    const compiled = compileRecordQuery(new mongoose.Types.ObjectId(org.id), { filter: '{"status":"s42"}', sort: 'n', limit: 20 });
    const records = mongo.db(org.placement.database).collection(org.placement.collection);
    const measure = async (label) => {
      await idle();
      for (let i = 0; i < 3; i += 1) await call('GET', QUERY_PATH, { token });
      const before = cpuNow();
      const latencies = [];
      // Answers other than 200 (e.g. a database round trip over MONGODB_SOCKET_TIMEOUT_MS): counted, their latency kept apart.
      const other = {};
      const otherLatencies = [];
      let ids = null;
      let requests = 0;
      const deadline = performance.now() + QUERY_SECONDS * 1000;
      for (; requests < QUERY_REQUESTS && (requests < 5 || performance.now() < deadline); requests += 1) {
        const t = performance.now();
        const { status, body } = await call('GET', QUERY_PATH, { token });
        const ms = performance.now() - t;
        if (status !== 200) {
          if (otherLatencies.length === 0)
            log(`query ${label}: ${status} after ${ms.toFixed(0)} ms: ${JSON.stringify(body).slice(0, 300)}`);
          other[status] = (other[status] ?? 0) + 1;
          otherLatencies.push(Math.round(ms));
          continue;
        }
        latencies.push(ms);
        const got = body.items.map((item) => item.data.n);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new Error(`query ${label}: n = ${JSON.stringify(got).slice(0, 200)}, expected ${JSON.stringify(expected)}`);
        }
        ids ??= body.items.map((item) => item.id);
      }
      const cpu = cpuSince(before);
      latencies.sort((a, b) => a - b);
      const figures = {
        requests,
        ok: latencies.length,
        other_answers: other,
        other_answers_ms: otherLatencies,
        median_ms: latencies.length ? round(median(latencies), 2) : null,
        p95_ms: latencies.length ? round(percentile(latencies, 0.95), 2) : null,
        service_cpu_us_per_request: Math.round((cpu.service / requests) * 1e6),
        database_cpu_us_per_request: Math.round((cpu.database / requests) * 1e6),
        ferretdb_cpu_us_per_request: Math.round((cpu.ferretdb / requests) * 1e6),
        postgres_cpu_us_per_request: Math.round((cpu.postgres / requests) * 1e6),
      };
      // The same find through the driver alone, three times: the database's share of the latency.
      const driverMs = [];
      for (let i = 0; i < 3; i += 1) {
        const t = performance.now();
        await records.find(compiled.filter).sort(compiled.sort).limit(compiled.limit).toArray();
        driverMs.push(performance.now() - t);
      }
      figures.driver_alone_median_ms = round(median(driverMs), 1);
      log(`query ${label}: ${JSON.stringify(figures)}`);
      return { figures, ids };
    };
    const explain = async () => {
      const t = performance.now();
      const plan = await records.find(compiled.filter).sort(compiled.sort).limit(compiled.limit).explain();
      return { ms: round(performance.now() - t, 1), ...planShape(plan) };
    };
    const without = await measure('without an index');
    const planWithout = await explain();
    const t1 = performance.now();
    const created = await call('POST', '/org/records/indexes', { token, body: { keys: { status: 1 } } });
    const indexSeconds = (performance.now() - t1) / 1000;
    if (created.status !== 201) throw new Error(`index: ${created.status} ${JSON.stringify(created.body)}`);
    log(`query: index ${created.body.name} created in ${indexSeconds.toFixed(2)} s`);
    const withIndex = await measure('with the index');
    const planWith = await explain();
    if (withIndex.ids && without.ids && JSON.stringify(withIndex.ids) !== JSON.stringify(without.ids))
      throw new Error('query: the page with the index differs from the one without');
    const t2 = performance.now();
    const dropped = await call('DELETE', `/org/records/indexes/${created.body.name}`, { token });
    const dropSeconds = (performance.now() - t2) / 1000;
    if (dropped.status !== 204) throw new Error(`index drop: ${dropped.status} ${JSON.stringify(dropped.body)}`);
    const ratio = (key) =>
      withIndex.figures[key] && without.figures[key] ? round(withIndex.figures[key] / without.figures[key], 2) : null;
    results.query = {
      records: QUERY_RECORDS,
      requests: QUERY_REQUESTS,
      seed_seconds: round(seedSeconds, 1),
      without_index: without.figures,
      index_create_seconds: round(indexSeconds, 2),
      index_drop_seconds: round(dropSeconds, 3),
      with_index: withIndex.figures,
      with_over_without: {
        median: ratio('median_ms'),
        p95: ratio('p95_ms'),
        service_cpu: ratio('service_cpu_us_per_request'),
        database_cpu: ratio('database_cpu_us_per_request'),
        driver_alone: ratio('driver_alone_median_ms'),
      },
      compiled_query: { filter: JSON.parse(JSON.stringify(compiled.filter)), sort: compiled.sort },
      plan_without_index: planWithout,
      plan_with_index: planWith,
    };
    log(`query plans: without ${planWithout.summary}; with ${planWith.summary}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Batch: one request of 1,000 against 1,000 single creates (one at a time, and 16 clients).
  if (STAGES.has('batch')) {
    const { token } = await newOrg('batch');
    let nextRecord = 0;
    const single = async (i) => {
      const { status } = await call('POST', '/org/records', { token, body: recordData(i) });
      if (status !== 201) throw new Error(`single create: ${status}`);
    };
    const ways = {
      batch: () => createByBatches(token, (nextRecord += BATCH_RECORDS) - BATCH_RECORDS, BATCH_RECORDS, 1),
      single_sequential: async () => {
        const first = (nextRecord += BATCH_RECORDS) - BATCH_RECORDS;
        for (let i = first; i < first + BATCH_RECORDS; i += 1) await single(i);
      },
      single_16_clients: async () => {
        let next = (nextRecord += BATCH_RECORDS) - BATCH_RECORDS;
        const end = next + BATCH_RECORDS;
        await Promise.all(
          Array.from({ length: CONCURRENT_CLIENTS }, async () => {
            while (next < end) await single(next++);
          }),
        );
      },
    };
    // Warm-up: a few of each, so the first repeat does not pay for compiling the paths.
    await createByBatches(token, 1e9, 100, 1);
    for (let i = 0; i < 50; i += 1) await single(1e9 + i);
    const runs = Object.fromEntries(Object.keys(ways).map((way) => [way, []]));
    for (let repeat = 0; repeat < BATCH_REPEATS; repeat += 1) {
      for (const [way, run] of Object.entries(ways)) {
        await idle();
        const before = cpuNow();
        const t = performance.now();
        await run();
        const seconds = (performance.now() - t) / 1000;
        const cpu = cpuSince(before);
        runs[way].push({
          seconds,
          service_cpu_us_per_record: (cpu.service / BATCH_RECORDS) * 1e6,
          database_cpu_us_per_record: (cpu.database / BATCH_RECORDS) * 1e6,
        });
        log(`batch repeat ${repeat + 1}, ${way}: ${seconds.toFixed(2)} s`);
      }
    }
    results.batch = { records: BATCH_RECORDS, repeats: BATCH_REPEATS, concurrent_clients: CONCURRENT_CLIENTS };
    for (const [way, list] of Object.entries(runs)) {
      const seconds = median(list.map((r) => r.seconds));
      results.batch[way] = {
        seconds: round(seconds, 3),
        seconds_per_repeat: list.map((r) => round(r.seconds, 3)),
        records_per_second: Math.round(BATCH_RECORDS / seconds),
        service_cpu_us_per_record: Math.round(median(list.map((r) => r.service_cpu_us_per_record))),
        database_cpu_us_per_record: Math.round(median(list.map((r) => r.database_cpu_us_per_record))),
      };
    }
    results.batch.batch_over_single_sequential = round(
      results.batch.batch.records_per_second / results.batch.single_sequential.records_per_second,
      1,
    );
    results.batch.batch_over_single_16_clients = round(
      results.batch.batch.records_per_second / results.batch.single_16_clients.records_per_second,
      1,
    );
    log(`batch: ${JSON.stringify(results.batch)}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Transfer: streamed import and export at each size, with the service's RSS.
  if (STAGES.has('transfer')) {
    results.transfer = { sizes: [], skipped: [], failed: [] };
    let lastRate = null;
    for (const size of TRANSFER_SIZES) {
      if (lastRate && size / lastRate > TRANSFER_MAX_SECONDS) {
        const note = `${size} records skipped: at ${Math.round(lastRate)} records/s the import would take ${Math.round(size / lastRate)} s (over BENCH_TRANSFER_MAX_SECONDS=${TRANSFER_MAX_SECONDS})`;
        results.transfer.skipped.push({ records: size, estimated_import_seconds: Math.round(size / lastRate), note });
        log(`transfer: ${note}`);
        continue;
      }
      const { org, token } = await newOrg(`transfer ${size}`);
      await idle();
      const rssBefore = round(rssKiB(service.pid) / 1024, 1);
      // Import: the body generated as the request stream asks for it, 500 lines a chunk.
      const idPrefix = randomBytes(6).toString('hex');
      const at = new Date().toISOString();
      const generated = { lines: 0 };
      function* body() {
        for (let start = 0; start < size; start += 500) {
          let chunk = '';
          for (let i = start; i < Math.min(size, start + 500); i += 1) {
            const id = idPrefix + i.toString(16).padStart(12, '0');
            chunk += `${JSON.stringify({ type: 'record', id, data: recordData(i), created_at: at, updated_at: at })}\n`;
          }
          generated.lines = Math.min(size, start + 500);
          yield chunk;
        }
      }
      let sampler = rssSampler(service.pid);
      // FerretDB's too: a query it cannot push down to PostgreSQL is filtered and sorted in its memory.
      let dbSampler = rssSampler(db.pid);
      const dbRssBefore = round(rssKiB(db.pid) / 1024, 1);
      let before = cpuNow();
      let t = performance.now();
      // Lines handed to the request by each 10 s (the body is read as the service takes it, so this
      // is the service's progress give or take the buffers in between).
      const importTrace = [];
      let progress = setInterval(() => {
        const seconds = Math.round((performance.now() - t) / 1000);
        importTrace.push({ seconds, lines_sent: generated.lines });
        if (seconds % 30 < 10)
          log(`transfer ${size}: importing, ${seconds} s, ${generated.lines} lines sent, RSS ${round(rssKiB(service.pid) / 1024, 1)} MiB`);
      }, 10_000);
      const imported = await streamImport(base, token, body).finally(() => clearInterval(progress));
      const importSeconds = (performance.now() - t) / 1000;
      const importCpu = cpuSince(before);
      const importRss = sampler.stop();
      const importDbRss = dbSampler.stop();
      const answer = imported.body;
      if (imported.status !== 200 || answer?.imported !== size || answer.failed.length > 0) {
        // Reported, not thrown: the sizes before it stand, and the next ones are still tried.
        const failure = {
          records: size,
          import_failed: {
            status: imported.status,
            error: imported.error,
            answer: JSON.stringify(answer)?.slice(0, 500),
            after_seconds: round(importSeconds, 1),
            lines_generated: generated.lines,
            bytes_sent: imported.sentBytes,
            peak_rss_mib: importRss.peak_mib,
            cpu_seconds: { service: round(importCpu.service, 1), database: round(importCpu.database, 1) },
            trace: importTrace,
          },
        };
        results.transfer.failed.push(failure);
        log(`transfer ${size}: IMPORT FAILED ${JSON.stringify(failure.import_failed).slice(0, 800)}`);
        continue;
      }
      lastRate = size / importSeconds;
      log(
        `transfer ${size}: imported in ${importSeconds.toFixed(1)} s (${Math.round(lastRate)} records/s), peak RSS ${importRss.peak_mib} MiB`,
      );
      await idle();
      const rssBeforeExport = round(rssKiB(service.pid) / 1024, 1);
      sampler = rssSampler(service.pid);
      dbSampler = rssSampler(db.pid);
      before = cpuNow();
      t = performance.now();
      const exportTrace = [];
      const exported = await streamExport(base, token, EXPORT_MAX_SECONDS, (lines) => {
        const seconds = Math.round((performance.now() - t) / 1000);
        exportTrace.push({ seconds, lines });
        if (seconds % 30 < 10) log(`transfer ${size}: exporting, ${seconds} s, ${lines} lines`);
      });
      const exportSeconds = (performance.now() - t) / 1000;
      const exportCpu = cpuSince(before);
      const exportRss = sampler.stop();
      const exportDbRss = dbSampler.stop();
      // Verified: every record once, plus the organization's line and its one member's.
      const verified = exported.status === 200 && exported.complete && exported.lines === size + 2;
      if (exported.complete && !verified) exported.error = `status ${exported.status}, ${exported.lines} lines, expected ${size + 2}`;
      // Records exported: the lines less the organization's and its one member's.
      const exportedRecords = Math.max(0, exported.lines - 2);
      log(
        `transfer ${size}: ${verified ? 'exported' : `export INCOMPLETE (${exported.error}) with ${exportedRecords} records`} in ${exportSeconds.toFixed(1)} s (${Math.round(exportedRecords / exportSeconds)} records/s), peak RSS ${exportRss.peak_mib} MiB`,
      );
      // The plan of the export's page query (a page after the first), as the database reports it.
      const records = mongo.db(org.placement.database).collection(org.placement.collection);
      const after = new mongoose.Types.ObjectId(
        `${idPrefix}${Math.floor(size / 2)
          .toString(16)
          .padStart(12, '0')}`,
      );
      const pagePlan = planShape(
        await records
          .find({ org_id: new mongoose.Types.ObjectId(org.id), _id: { $gt: after } })
          .sort({ _id: 1 })
          .limit(500)
          .explain(),
      );
      log(`transfer ${size}: export page plan ${pagePlan.summary}`);
      const perRecord = (seconds, count) => (count > 0 ? round((seconds / count) * 1e6, 0) : null);
      results.transfer.sizes.push({
        records: size,
        rss_before_mib: rssBefore,
        import: {
          seconds: round(importSeconds, 1),
          records_per_second: Math.round(size / importSeconds),
          body_mib: round(imported.sentBytes / 1024 ** 2, 1),
          answer: { imported: answer.imported, replaced: answer.replaced, failed: answer.failed.length + answer.failures_not_listed },
          peak_rss_mib: importRss.peak_mib,
          rss_after_mib: importRss.end_mib,
          rss_samples: importRss.samples,
          ferretdb_rss_before_mib: dbRssBefore,
          ferretdb_peak_rss_mib: importDbRss.peak_mib,
          cpu_us_per_record: {
            service: perRecord(importCpu.service, size),
            database: perRecord(importCpu.database, size),
            ferretdb: perRecord(importCpu.ferretdb, size),
            postgres: perRecord(importCpu.postgres, size),
            bench: perRecord(importCpu.bench, size),
          },
          cpu_share_of_wall: { service: round(importCpu.service / importSeconds), database: round(importCpu.database / importSeconds) },
          trace: importTrace,
        },
        export: {
          complete: exported.complete,
          verified,
          error: exported.error ?? null,
          seconds: round(exportSeconds, 1),
          records: exportedRecords,
          records_per_second: Math.round(exportedRecords / exportSeconds),
          lines: exported.lines,
          body_mib: round(exported.bytes / 1024 ** 2, 1),
          rss_before_mib: rssBeforeExport,
          peak_rss_mib: exportRss.peak_mib,
          rss_after_mib: exportRss.end_mib,
          rss_samples: exportRss.samples,
          ferretdb_peak_rss_mib: exportDbRss.peak_mib,
          cpu_us_per_record: {
            service: perRecord(exportCpu.service, exportedRecords),
            database: perRecord(exportCpu.database, exportedRecords),
            ferretdb: perRecord(exportCpu.ferretdb, exportedRecords),
            postgres: perRecord(exportCpu.postgres, exportedRecords),
            bench: perRecord(exportCpu.bench, exportedRecords),
          },
          cpu_share_of_wall: { service: round(exportCpu.service / exportSeconds), database: round(exportCpu.database / exportSeconds) },
          page_plan: pagePlan,
          trace: exportTrace,
        },
      });
    }
    const [first, last] = [results.transfer.sizes[0], results.transfer.sizes.at(-1)];
    if (first && last && first !== last) {
      results.transfer.largest_over_smallest = {
        records: `${last.records} / ${first.records}`,
        import_peak_rss: round(last.import.peak_rss_mib / first.import.peak_rss_mib, 2),
        export_peak_rss: round(last.export.peak_rss_mib / first.export.peak_rss_mib, 2),
        import_records_per_second: round(last.import.records_per_second / first.import.records_per_second, 2),
        export_records_per_second: round(last.export.records_per_second / first.export.records_per_second, 2),
      };
    }
  }

  await mongo.close();
  results.duration_seconds = Math.round((performance.now() - started) / 1000);
  const file = saveResults(ROOT, 'tenant-data', results);
  process.stdout.write(`${table(results)}\n`);
  log(`wrote ${file}`);
} finally {
  await stopAllChildren();
  for (const server of servers) await server.stop().catch(() => undefined);
}

/**
 * POST /org/import with the lines of `body()` (a generator of NDJSON chunks) piped into the request
 * as it drains: only the chunk being written is held here. Resolves with the status and the answer.
 */
function streamImport(base, token, body) {
  return new Promise((resolveImport) => {
    let sentBytes = 0;
    const request = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: '/org/import',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (piece) => (text += piece));
        response.once('end', () => {
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { raw: text.slice(0, 500) };
          }
          resolveImport({ status: response.statusCode, body: parsed, sentBytes });
        });
        response.once('error', (error) => resolveImport({ status: response.statusCode, error: error.message, sentBytes }));
      },
    );
    // A connection closed before any answer (e.g. by a server timeout) is the import's outcome too.
    request.once('error', (error) => resolveImport({ status: null, error: error.message, sentBytes }));
    const source = Readable.from(body());
    source.on('data', (chunk) => (sentBytes += Buffer.byteLength(chunk)));
    // An answer before the body is all sent (e.g. 408 or 413) ends the pipeline early: the answer still counts.
    pipeline(source, request).catch(() => undefined);
  });
}

/**
 * GET /org/export, read as it streams and discarded: the status, lines and bytes. Stopped after
 * `maxSeconds` (then `complete` is false); `onTick(lines)` every 10 s.
 */
function streamExport(base, token, maxSeconds, onTick) {
  return new Promise((resolveExport) => {
    let lines = 0;
    let bytes = 0;
    let lastByte = 0x0a;
    let ticker;
    let limit;
    let stopped = false;
    const done = (result) => {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      clearTimeout(limit);
      resolveExport(result);
    };
    const request = http.get(
      { host: base.hostname, port: base.port, path: '/org/export', headers: { authorization: `Bearer ${token}` } },
      (response) => {
        ticker = setInterval(() => onTick(lines), 10_000);
        limit = setTimeout(() => {
          done({
            status: response.statusCode,
            lines,
            bytes,
            complete: false,
            error: `stopped after BENCH_EXPORT_MAX_SECONDS=${maxSeconds}`,
          });
          response.destroy();
        }, maxSeconds * 1000);
        response.on('data', (chunk) => {
          bytes += chunk.length;
          for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines += 1;
          lastByte = chunk[chunk.length - 1];
        });
        response.once('end', () =>
          done({ status: response.statusCode, lines: lines + (lastByte === 0x0a ? 0 : 1), bytes, complete: true }),
        );
        // Cut by the service (or its database) mid-stream: what arrived by then, as incomplete.
        response.once('error', (error) => done({ status: response.statusCode, lines, bytes, complete: false, error: error.message }));
        response.once('aborted', () => done({ status: response.statusCode, lines, bytes, complete: false, error: 'aborted' }));
      },
    );
    request.once('error', (error) => done({ status: null, lines, bytes, complete: false, error: error.message }));
  });
}

/** What the database says it does: FerretDB's pushdown flags and PostgreSQL's plan nodes and indexes. */
function planShape(explained) {
  const plan = explained.queryPlanner?.Plan ?? explained.queryPlanner?.winningPlan ?? explained.queryPlanner;
  const nodes = [];
  const indexes = [];
  const conditions = [];
  const walk = (node) => {
    if (!node || typeof node !== 'object') return;
    const type = node['Node Type'] ?? node.stage;
    if (type) nodes.push(type);
    if (node['Index Name']) indexes.push(node['Index Name']);
    for (const key of ['Filter', 'Index Cond', 'Recheck Cond']) if (node[key]) conditions.push(`${key}: ${node[key]}`);
    if (node.indexName) indexes.push(node.indexName);
    for (const child of [...(node.Plans ?? []), node.inputStage].filter(Boolean)) walk(child);
  };
  walk(plan);
  const pushdown = Object.fromEntries(Object.entries(explained).filter(([key]) => /pushdown/i.test(key)));
  return {
    summary: `${nodes.join(' > ') || 'unknown'}${indexes.length ? ` (index ${indexes.join(', ')})` : ''}; ${Object.entries(pushdown)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ')}`,
    nodes,
    indexes,
    pushdown,
    conditions,
    plan,
  };
}

function table(results) {
  const lines = ['| Stage | What | Figure | Ratio (same run) |', '|---|---|---:|---:|'];
  const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
  const thousands = (value) => Math.round(value).toLocaleString('en-US');
  const q = results.query;
  if (q) {
    const what = `filter status=s42, sort n, limit 20, ${thousands(q.records)} records`;
    for (const [label, f] of [
      ['without index', q.without_index],
      ['with index {status: 1}', q.with_index],
    ]) {
      const ratio =
        label === 'without index' ? 'baseline' : `${q.with_over_without.median}× median, ${q.with_over_without.service_cpu}× service CPU`;
      row(
        'query',
        `${what}, ${label}`,
        `median ${f.median_ms} ms, p95 ${f.p95_ms} ms (${f.ok} of ${f.requests} answered 200${Object.keys(f.other_answers).length ? `; others ${JSON.stringify(f.other_answers)}` : ''}); driver alone ${f.driver_alone_median_ms} ms; CPU µs/request service ${f.service_cpu_us_per_request}, database ${f.database_cpu_us_per_request} (FerretDB ${f.ferretdb_cpu_us_per_request}, PostgreSQL ${f.postgres_cpu_us_per_request})`,
        ratio,
      );
    }
    row('query', 'index creation (POST /org/records/indexes)', `${q.index_create_seconds} s`, '');
    row('query', 'plan without / with the index', `${q.plan_without_index.summary} / ${q.plan_with_index.summary}`, '');
  }
  const b = results.batch;
  if (b) {
    for (const [way, label, ratio] of [
      ['batch', `1 POST /org/records/batch of ${b.records}`, 'baseline'],
      ['single_sequential', `${b.records} POST /org/records, one at a time`, `batch ${b.batch_over_single_sequential}× faster`],
      [
        'single_16_clients',
        `${b.records} POST /org/records, ${b.concurrent_clients} clients`,
        `batch ${b.batch_over_single_16_clients}× faster`,
      ],
    ]) {
      const f = b[way];
      row(
        'batch',
        label,
        `${f.seconds} s, ${thousands(f.records_per_second)} records/s; CPU µs/record service ${f.service_cpu_us_per_record}, database ${f.database_cpu_us_per_record}`,
        ratio,
      );
    }
  }
  const t = results.transfer;
  if (t) {
    for (const s of t.sizes) {
      row(
        'transfer',
        `import ${thousands(s.records)} records (${s.import.body_mib} MiB NDJSON)`,
        `${s.import.seconds} s, ${thousands(s.import.records_per_second)} records/s; RSS ${s.rss_before_mib} MiB before, peak ${s.import.peak_rss_mib} MiB (FerretDB's peak ${s.import.ferretdb_peak_rss_mib} MiB); CPU µs/record service ${s.import.cpu_us_per_record.service}, database ${s.import.cpu_us_per_record.database} (FerretDB ${s.import.cpu_us_per_record.ferretdb}, PostgreSQL ${s.import.cpu_us_per_record.postgres})`,
        '',
      );
      row(
        'transfer',
        s.export.verified
          ? `export ${thousands(s.records)} records (${s.export.lines} lines)`
          : `export ${thousands(s.records)} records: **incomplete** (${s.export.error}) after ${s.export.seconds} s, ${thousands(s.export.records)} records received`,
        `${s.export.seconds} s, ${thousands(s.export.records_per_second)} records/s; RSS ${s.export.rss_before_mib} MiB before, peak ${s.export.peak_rss_mib} MiB (FerretDB's peak ${s.export.ferretdb_peak_rss_mib} MiB); CPU µs/record service ${s.export.cpu_us_per_record.service}, database ${s.export.cpu_us_per_record.database} (FerretDB ${s.export.cpu_us_per_record.ferretdb}, PostgreSQL ${s.export.cpu_us_per_record.postgres})`,
        '',
      );
    }
    const r = t.largest_over_smallest;
    if (r) {
      row('transfer', `peak RSS, ${r.records} records`, '', `import ${r.import_peak_rss}×, export ${r.export_peak_rss}×`);
      row(
        'transfer',
        `records/s, ${r.records} records`,
        '',
        `import ${r.import_records_per_second}×, export ${r.export_records_per_second}×`,
      );
    }
    for (const s of t.sizes) row('transfer', `export page plan at ${thousands(s.records)}`, s.export.page_plan.summary, '');
    for (const skipped of t.skipped) row('transfer', 'skipped', skipped.note, '');
    for (const failed of t.failed) {
      const f = failed.import_failed;
      row(
        'transfer',
        `import ${thousands(failed.records)} records **failed**`,
        `after ${f.after_seconds} s, ${thousands(f.lines_generated)} lines generated: status ${f.status}, ${f.error ?? f.answer}`,
        '',
      );
    }
  }
  return lines.join('\n');
}
