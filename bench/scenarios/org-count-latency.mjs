// Latency by organization count: GET /org/get on the instance with 10 organizations and on the one
// with 10,000, one request at a time, and the same reads by the driver alone (how the database
// itself scales with the count). Its rounds run between the throughput rounds.
import { orgGetPath } from '../lib/api.mjs';
import { httpGetter, measureLatency, summarize } from '../lib/load.mjs';
import { waitUntilIdle } from '../lib/processes.mjs';

/**
 * Probes of the `small` and `large` service instances and of their master databases (`masters`,
 * by instance name), each looking up `lookups[name]` for `settings.latencySeconds`; `ferret` is
 * waited for to be idle before each probe. Answers `round(round)`, which runs every probe once (the
 * bench runs it after each throughput round), and `figures()`, the result file's `latency`: p50
 * and p99 by probe, median and spread over the rounds.
 */
export function latencyByOrganizationCount({ settings, ferret, small, large, masters, naming, lookups, log }) {
  const claimOf = (name) => naming.claimKey('org', naming.slugify(lookups[name]));
  const probes = [
    ['org_get_10', () => httpGetter(`${small.baseUrl}${orgGetPath(lookups.small)}`)],
    ['org_get_10k', () => httpGetter(`${large.baseUrl}${orgGetPath(lookups.large)}`)],
    ['driver_lookup_10', () => nameLookup(masters.small, claimOf('small'))],
    ['driver_lookup_10k', () => nameLookup(masters.large, claimOf('large'))],
  ];
  const runs = Object.fromEntries(probes.map(([key]) => [key, []]));
  return {
    round: async (round) => {
      for (const [key, open] of probes) {
        log(`round ${round}/${settings.rounds}: ${key} latency (one at a time)`);
        await waitUntilIdle(ferret.pids());
        const probe = open();
        runs[key].push(await measureLatency({ once: probe.once, seconds: settings.latencySeconds }));
        probe.close();
      }
    },
    figures: () =>
      Object.fromEntries(
        Object.entries(runs).map(([key, list]) => [
          key,
          {
            p50Ms: summarize(list.map((r) => r.p50Ms)),
            p99Ms: summarize(list.map((r) => r.p99Ms)),
            failures: list.reduce((s, r) => s + r.failures, 0),
          },
        ]),
      ),
  };
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
