// GET /health at rest and during a create flood: the latency of a request that needs no hashing
// while far more creates than the hashing bound lets run or wait are arriving.
import { BENCH_PASSWORD } from '../lib/fixtures.mjs';
import { httpGetter, measureLatency, runFlood, summarize } from '../lib/load.mjs';
import { waitUntilIdle } from '../lib/processes.mjs';

/**
 * On the `small` service instance, `settings.rounds` times: GET /health one at a time for
 * `settings.latencySeconds` at rest, then again while `settings.floodConnections` clients send
 * POST /org/create. Answers the result file's `healthUnderFlood`: the probe's p50 and p99 at rest
 * and during the flood (median and spread over the rounds), its failures, and the flood's answers
 * by status and its errors.
 */
export async function healthUnderFlood({ settings, ferret, small }) {
  const atRest = [];
  const duringFlood = [];
  const floods = [];
  let flooded = 0;
  for (let round = 1; round <= settings.rounds; round += 1) {
    await Promise.all([waitUntilIdle(ferret.pids()), waitUntilIdle(small.pid)]);
    const probe = httpGetter(`${small.baseUrl}/health`);
    atRest.push(await measureLatency({ once: probe.once, seconds: settings.latencySeconds }));
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
    duringFlood.push(await measureLatency({ once: probe.once, seconds: settings.latencySeconds }));
    floods.push(await flood);
    probe.close();
  }
  // The creates the hasher had queued when the flood stopped are still running; the next ones must not meet a full hasher.
  await waitUntilIdle(small.pid);

  return {
    atRestP99Ms: summarize(atRest.map((r) => r.p99Ms)),
    duringFloodP99Ms: summarize(duringFlood.map((r) => r.p99Ms)),
    atRestP50Ms: summarize(atRest.map((r) => r.p50Ms)),
    duringFloodP50Ms: summarize(duringFlood.map((r) => r.p50Ms)),
    failures: duringFlood.reduce((sum, r) => sum + r.failures, 0),
    floodStatusCodes: floods.reduce((sums, r) => {
      for (const [status, count] of Object.entries(r.statusCodes)) sums[status] = (sums[status] ?? 0) + count;
      return sums;
    }, {}),
    floodErrors: floods.reduce((sum, r) => sum + r.errors, 0),
  };
}
