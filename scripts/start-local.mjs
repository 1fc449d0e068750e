#!/usr/bin/env node
// Runs the built service. Without MONGODB_URI it first provisions and starts the local FerretDB
// server (data in LOCAL_DB_DIR or .local/ferretdb, port LOCAL_DB_PORT or 27018). Whatever stops
// this launcher stops what it started: SIGINT, SIGTERM and SIGHUP are passed on to the service,
// then FerretDB is stopped; if the launcher itself is killed, watchdogs stop both.
import { spawn } from 'node:child_process';
import { describeBackend, startFerretDb } from './ferretdb.mjs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let stopSignal;
// A signal during FerretDB's start-up is remembered and acted on once there is something to stop.
for (const signal of SIGNALS) process.on(signal, () => (stopSignal ??= signal));

let database;
const env = { ...process.env, LOG_FORMAT: process.env.LOG_FORMAT || 'pretty' };
if (!env.MONGODB_URI) {
  const port = Number(env.LOCAL_DB_PORT || 27018);
  database = await startFerretDb({ port, dataDir: env.LOCAL_DB_DIR || '.local/ferretdb' });
  env.MONGODB_URI = database.uri;
  console.error(
    `[start-local] FerretDB (pid ${database.pid}) on ${database.uri}, ${describeBackend(database)}; data in ${database.dataDir}`,
  );
}
if (stopSignal) {
  await database?.stop();
  process.exit(1);
}

const service = spawn(process.execPath, ['dist/main.js'], { env, stdio: 'inherit' });
startWatchdog(service.pid);
for (const signal of SIGNALS) {
  process.removeAllListeners(signal);
  // The service answers in-flight requests and exits within its own SHUTDOWN_TIMEOUT_SECONDS. It
  // is told the signal received (Ctrl-C is logged as SIGINT); SIGHUP, which it does not handle
  // (it would die at once), becomes SIGTERM.
  process.on(signal, () => service.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal));
}
service.on('exit', async (code, signal) => {
  await database?.stop();
  process.exit(code ?? (signal ? 1 : 0));
});

/** Stops the service with SIGTERM once this launcher is gone, even after a SIGKILL. */
function startWatchdog(servicePid) {
  const script = `
    const [launcher, service] = process.argv.slice(1).map(Number);
    setInterval(() => {
      try { process.kill(launcher, 0); } catch {
        try { process.kill(service, 'SIGTERM'); } catch {}
        process.exit(0);
      }
    }, 500);`;
  const watchdog = spawn(process.execPath, ['-e', script, String(process.pid), String(servicePid)], { stdio: 'ignore', detached: true });
  watchdog.unref();
  service.once('exit', () => watchdog.kill());
}
