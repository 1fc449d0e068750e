// What npm run bench measures, started on free 127.0.0.1 ports: the service instances (10 and
// 10,000 organizations, one more on the small one's databases with the fair-share limit at 1/s,
// one in shared placement for the memory figures at a million organizations) and the baseline
// servers.
import { join } from 'node:path';
import { freePort } from '../../scripts/ferretdb.mjs';
import { benchServiceEnv, startBaseline, startService } from './processes.mjs';

/** The master and tenant database names of the instance called `name`. */
export const databaseNames = (name) => ({ master: `bench_${name}_master`, tenant: `bench_${name}_tenant` });

/**
 * Starts the service instances `names` (e.g. ['small', 'large']) from the built `entry` in
 * production mode on `ferret`, and waits until each has built its master indexes. `jwt` is
 * `{secret, issuer, audience}`; `settings` gives argon2's cost and the login limits; with
 * `profileDir`, CPU profiles are written there. `options[name]`, where given, changes one
 * instance: `databasesOf` (the name of another instance whose databases it uses), `env` (variables
 * on top of the bench's), `heapSnapshotDir` (heap snapshots on SIGUSR2, see startService).
 * Answers the instances by name.
 */
export async function startInstances({ entry, ferret, client, names, settings, jwt, profileDir, options = {}, log }) {
  const databasesOf = (name) => databaseNames(options[name]?.databasesOf ?? name);
  const serviceEnv = (name) =>
    benchServiceEnv(ferret.uri, {
      MASTER_DB_NAME: databasesOf(name).master,
      TENANT_DB_NAME: databasesOf(name).tenant,
      JWT_SECRET: jwt.secret,
      JWT_ISSUER: jwt.issuer,
      JWT_AUDIENCE: jwt.audience,
      ARGON2_MEMORY_KIB: String(settings.argon2.memoryKiB),
      ARGON2_TIME_COST: String(settings.argon2.timeCost),
      ARGON2_PARALLELISM: String(settings.argon2.parallelism),
      LOGIN_MAX_FAILURES_PER_IP: String(settings.loginLimits.perIp),
      LOGIN_MAX_FAILURES_PER_EMAIL: String(settings.loginLimits.perEmail),
      LOGIN_WINDOW_SECONDS: String(settings.loginLimits.windowSeconds),
      TENANT_MODEL_CACHE_SIZE: String(settings.tenantModelCacheSize),
      RECONCILE_INTERVAL_SECONDS: String(settings.reconcileIntervalSeconds),
      ...options[name]?.env,
    });
  const instances = await Promise.all(
    names.map(async (name) =>
      startService({
        label: `service (${name})`,
        entry,
        env: serviceEnv(name),
        port: await freePort(),
        profileDir,
        heapSnapshotDir: options[name]?.heapSnapshotDir,
      }),
    ),
  );
  log(`service instances: ${names.map((name, i) => `${name} pid ${instances[i].pid} ${instances[i].baseUrl}`).join(', ')}`);
  await Promise.all(names.map((name) => waitForIndexes(client.db(databasesOf(name).master))));
  return Object.fromEntries(names.map((name, i) => [name, instances[i]]));
}

/**
 * Starts the baseline servers: the framework floor (bare `node:http`, /health's JSON) and the data
 * floor (bare `node:http` + one driver `findOne` of `recordId` in `tenantDb`.`collection`), each
 * answering with its `baseUrl`.
 */
export async function startFloors({ root, ferret, tenantDb, collection, recordId }) {
  const start = async (label, script, args) => {
    const port = await freePort();
    return { ...(await startBaseline(label, join(root, 'bench/baselines', script), [port, ...args])), baseUrl: `http://127.0.0.1:${port}` };
  };
  const framework = await start('framework floor', 'framework-floor.mjs', []);
  const data = await start('data floor', 'data-floor.mjs', [ferret.uri, tenantDb, collection, recordId]);
  return { framework, data };
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
