#!/usr/bin/env node
// Runs the built service. Without MONGODB_URI it first provisions and starts the local FerretDB
// server (data in .local/ferretdb, port LOCAL_DB_PORT or 27018) and stops it when the service exits.
import { spawn } from 'node:child_process';
import { describeBackend, startFerretDb } from './ferretdb.mjs';

let database;
const env = { ...process.env };
if (!env.MONGODB_URI) {
  const port = Number(env.LOCAL_DB_PORT ?? 27018);
  database = await startFerretDb({ port, dataDir: '.local/ferretdb' });
  env.MONGODB_URI = database.uri;
  console.error(`[start-local] FerretDB (pid ${database.pid}) on ${database.uri}, ${describeBackend(database)}; data in ${database.dataDir}`);
}

const service = spawn(process.execPath, ['dist/main.js'], { env, stdio: 'inherit' });
const forward = (signal) => service.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
service.on('exit', async (code, signal) => {
  await database?.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
