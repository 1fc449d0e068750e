// Rename: PUT /org/update of an organization holding 1,000, 10,000 and 100,000 records, timed
// through the API, and the two database commands a rename is made of, timed alone by the driver.
import { BENCH_PASSWORD, signUp } from '../lib/fixtures.mjs';
import { summarize } from '../lib/load.mjs';
import { insertRecords, startUsageLedger } from '../lib/seed.mjs';

/**
 * For each of `settings.renameSizes`: a new organization made through `api` (the small service
 * instance), filled with that many records straight into its `tenant` database as the service
 * holds them (each with the organization's `org_id`, and its quota ledger in the `master`
 * database started at their count and bytes: the count a rename reports comes from there),
 * renamed `settings.renameRepeats` times. Answers the result file's `renames`: per size, the seconds per
 * rename and documents per second through the API, and the driver's renameCollection and
 * collStats times (median and spread).
 */
export async function renames({ settings, api, master, tenant }) {
  const results = [];
  for (const size of settings.renameSizes) {
    const org = { organization_name: `Bench Rename ${size}`, email: `bench-rename-${size}@bench.example`, password: BENCH_PASSWORD };
    const { created, token: firstToken } = await signUp(api, org);
    await startUsageLedger(master, created.id, await insertRecords(tenant, created.collection_name, size, { orgId: created.id }));
    const seconds = [];
    let token = firstToken;
    let collection = created.collection_name;
    for (let i = 1; i <= settings.renameRepeats; i += 1) {
      const started = performance.now();
      const result = await api.callExpecting('PUT', '/org/update', {
        token,
        body: { organization_name: `Bench Rename ${size} r${i}` },
        expect: 200,
      });
      seconds.push((performance.now() - started) / 1000);
      if (result.documents_migrated !== size) throw new Error(`rename moved ${result.documents_migrated} of ${size} documents`);
      token = result.access_token;
      collection = result.current_collection;
    }
    // The two database commands a rename was made of, timed alone through the driver: the
    // metadata-only move and the document count its answer reported before the ledger did (collStats).
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
    results.push({
      documents: size,
      seconds: summarize(seconds),
      documentsPerSecond: summarize(seconds.map((s) => size / s)),
      driverRenameCollectionMs: summarize(renameMs),
      driverCollStatsMs: summarize(countMs),
    });
  }
  return results;
}
