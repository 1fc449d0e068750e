#!/usr/bin/env node
// Provisions and runs FerretDB v1.24.2 as the local MongoDB-compatible server. The binary is built
// once from the Go module proxy into a cache outside the repo and reused. Its backend is a private
// PostgreSQL cluster with GIN shadow indexes (scripts/local-postgres.mjs), where PostgreSQL can
// be found or installed, else SQLite (which scans on every query). LOCAL_DB_BACKEND=postgresql
// or sqlite chooses one without falling back.
//
//   node scripts/ferretdb.mjs ensure                 build the binary if it is missing
//   node scripts/ferretdb.mjs run [port] [dataDir]   run in the foreground until interrupted
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsUser, startPostgres } from './local-postgres.mjs';

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

const log = (message) => process.stderr.write(`[ferretdb] ${message}\n`);

export function cacheDir() {
  const base = process.env.FERRETDB_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'org-management-service');
  return join(base, `ferretdb-${FERRETDB_VERSION}`);
}

export function binaryPath() {
  return join(cacheDir(), 'ferretdb');
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/**
 * Builds the binary unless the cache has a working one. `go install ...@v1.24.2` is not used:
 * the module proxy refuses the module's version list (which `go install` reads for deprecation
 * notices), and the module zip lacks build/version/version.txt, without which a binary built
 * as the main module panics at start. So: download the module, add version.txt, build it.
 */
export function ensureBinary() {
  const binary = binaryPath();
  if (existsSync(binary) && spawnSync(binary, ['--version']).status === 0) return binary;
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error(
      'Go is not installed, so the local FerretDB server cannot be built. Install Go, or set MONGODB_URI ' +
        'to a MongoDB server (e.g. `docker compose up -d mongo` and MONGODB_URI=mongodb://127.0.0.1:27017).',
    );
  }
  log(`building FerretDB ${FERRETDB_VERSION} into ${cacheDir()} (once; takes a minute)`);
  mkdirSync(cacheDir(), { recursive: true });
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto' };
  const info = JSON.parse(run('go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { env, cwd: tmpdir() }));
  if (!info.Dir) throw new Error(`go mod download gave no source directory: ${info.Error ?? 'unknown error'}`);
  const source = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
  try {
    cpSync(info.Dir, source, { recursive: true });
    run('chmod', ['-R', 'u+w', source]);
    writeFileSync(join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    run('go', ['build', '-trimpath', '-o', binary, './cmd/ferretdb'], { env: { ...env, GOFLAGS: '-buildvcs=false' }, cwd: source });
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
  chmodSync(binary, 0o755);
  log(`built ${binary}`);
  return binary;
}

const PORT_RANGE = { low: 20_000, high: 32_767 };

/**
 * A port that is free now, below Linux's ephemeral range (32768 and up): a port taken from that
 * range can be handed meanwhile to an outgoing connection, such as FerretDB's own to PostgreSQL.
 */
export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = PORT_RANGE.low + Math.floor(Math.random() * (PORT_RANGE.high - PORT_RANGE.low + 1));
    const free = await new Promise((done) => {
      const server = createServer();
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${PORT_RANGE.low} and ${PORT_RANGE.high}`);
}

/** One command over the MongoDB wire protocol (OP_MSG), without a driver: `{ok, errmsg}`. */
function wireCommand(port, command, value, database, timeoutMs) {
  const cstring = (text) => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
  const int32 = (number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(number);
    return buffer;
  };
  const dbBytes = cstring(database);
  const elements = Buffer.concat([
    Buffer.from([0x10]),
    cstring(command),
    int32(value),
    Buffer.from([0x02]),
    cstring('$db'),
    int32(dbBytes.length),
    dbBytes,
  ]);
  const document = Buffer.concat([int32(elements.length + 5), elements, Buffer.from([0])]);
  const body = Buffer.concat([int32(0), Buffer.from([0]), document]);
  const header = Buffer.concat([int32(16 + body.length), int32(1), int32(0), int32(2013)]);
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(new Error(`no answer to ${command} within ${timeoutMs} ms`)), timeoutMs);
    let received = Buffer.alloc(0);
    socket.once('connect', () => socket.write(Buffer.concat([header, body])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < received.readInt32LE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        done(topLevelFields(received.subarray(21)));
      } catch (error) {
        fail(error);
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
  });
}

/** The `ok` and `errmsg` fields of a BSON document, skipping the others by their type's size. */
function topLevelFields(bson) {
  const fields = {};
  let at = 4;
  while (at < bson.readInt32LE(0) - 1) {
    const type = bson[at];
    const nameEnd = bson.indexOf(0, at + 1);
    const name = bson.toString('utf8', at + 1, nameEnd);
    at = nameEnd + 1;
    const fixed = { 0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16 }[type];
    let size;
    if (fixed !== undefined) size = fixed;
    else if (type === 0x02) size = 4 + bson.readInt32LE(at);
    else if (type === 0x03 || type === 0x04) size = bson.readInt32LE(at);
    else if (type === 0x05) size = 5 + bson.readInt32LE(at);
    else throw new Error(`unexpected BSON type 0x${type.toString(16)} in a command reply`);
    if (name === 'ok') fields.ok = type === 0x01 ? bson.readDoubleLE(at) : type === 0x10 ? bson.readInt32LE(at) : Number(bson[at]);
    if (name === 'errmsg' && type === 0x02) fields.errmsg = bson.toString('utf8', at + 4, at + size - 1);
    at += size;
  }
  return fields;
}

/**
 * Resolves once FerretDB answers `ping` with ok: 1. An open port is not enough: `ping` reaches
 * the backend, and a backend FerretDB cannot use fails every command while the port is open.
 */
async function waitForCommands(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode} during start-up`);
    try {
      const reply = await wireCommand(port, 'ping', 1, 'admin', 5_000);
      if (reply.ok === 1) return;
      last = reply.errmsg ?? JSON.stringify(reply);
    } catch (error) {
      last = error.message;
    }
    await new Promise((wake) => setTimeout(wake, 50));
  }
  throw new Error(`FerretDB did not answer ping on 127.0.0.1:${port} within ${timeoutMs} ms (last: ${last})`);
}

/**
 * Stops the given processes (`pid:SIGNAL`) once `parentPid` is gone, so a crashed test run leaves
 * no server behind. The watchdog is detached: it outlives the parent it watches.
 */
function startWatchdog(parentPid, targets) {
  const script = `
    const [parent, ...targets] = process.argv.slice(1);
    setInterval(() => {
      try { process.kill(Number(parent), 0); } catch {
        for (const target of targets) {
          const [pid, signal] = target.split(':');
          try { process.kill(Number(pid), signal); } catch {}
        }
        process.exit(0);
      }
    }, 500);`;
  const args = ['-e', script, String(parentPid), ...targets.map(({ pid, signal }) => `${pid}:${signal}`)];
  const watchdog = spawn(process.execPath, args, { stdio: 'ignore', detached: true });
  watchdog.unref();
  return watchdog;
}

/** PIDs of the processes a PostgreSQL server is made of: the postmaster and its children (Linux). */
function processTree(rootPid) {
  const pids = [rootPid];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === rootPid) pids.push(Number(entry));
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // no /proc: the postmaster alone
  }
  return pids;
}

const BACKENDS = ['postgresql', 'sqlite'];

/**
 * Starts FerretDB on 127.0.0.1 with telemetry off, on PostgreSQL (its cluster in
 * `<dataDir>/postgres`) or SQLite (`<dataDir>/sqlite`); resolves once it answers commands.
 * `backend` (default LOCAL_DB_BACKEND): `postgresql` or `sqlite` exactly; unset, PostgreSQL
 * where it can run, else SQLite with a one-line notice. Without `dataDir` the data is throwaway
 * (a temporary directory, PostgreSQL without fsync) unless `durable` says otherwise.
 */
export async function startFerretDb({
  port,
  dataDir,
  backend = process.env.LOCAL_DB_BACKEND || undefined,
  durable = dataDir !== undefined,
  debugPort,
} = {}) {
  if (backend !== undefined && !BACKENDS.includes(backend))
    throw new Error(`LOCAL_DB_BACKEND must be one of ${BACKENDS.join(', ')}, not ${backend}`);
  const binary = ensureBinary();
  const listenPort = port ?? (await freePort());
  const dir = resolve(dataDir ?? mkdtempSync(join(tmpdir(), 'ferretdb-data-')));
  mkdirSync(dir, { recursive: true });
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { recursive: true });

  let postgres;
  if (backend !== 'sqlite') {
    try {
      // The unprivileged user PostgreSQL runs as must reach its directory inside ours.
      if (runAsUser()) chmodSync(dir, statSync(dir).mode | 0o011);
      postgres = await startPostgres({
        dataDir: join(dir, 'postgres'),
        port: await freePort(),
        logFile: join(dir, 'postgres.log'),
        durable,
        log,
      });
    } catch (error) {
      if (backend === 'postgresql') throw error;
      log(`PostgreSQL is unavailable, so FerretDB uses its SQLite backend, which scans on every query: ${error.message.split('\n')[0]}`);
    }
  }
  const backendArgs = postgres
    ? ['--handler=postgresql', `--postgresql-url=${postgres.url}`]
    : ['--handler=sqlite', `--sqlite-url=file:${join(dir, 'sqlite')}/`];
  if (!postgres) mkdirSync(join(dir, 'sqlite'), { recursive: true });
  const args = [
    ...backendArgs,
    `--state-dir=${stateDir}`,
    `--listen-addr=127.0.0.1:${listenPort}`,
    // Its debug handler serves Prometheus metrics (commands received, by name) at /debug/metrics.
    `--debug-addr=${debugPort === undefined ? '-' : `127.0.0.1:${debugPort}`}`,
    '--telemetry=disable',
    // By default `find`, `aggregate` and `explain` leave dotted keys (`'data.status': 'open'`) out
    // of the SQL, so a filter on a record's data path reads the whole table (or all of one
    // organization's rows). With this, PostgreSQL gets `_jsonb #> '{data,status}' @> '"open"'`,
    // which the GIN shadow of an index led by that path serves (scripts/postgres/). FerretDB
    // still applies the whole filter to every row it reads. The cost: `#>` does not look into
    // arrays of subdocuments, so `{'data.items.name': 'p'}` misses `items: [{name: 'p'}]` in
    // `find` too, as it already does in `count`, `distinct`, updates and deletes, which push
    // dotted keys down either way (README, "Known differences"). The SQLite backend pushes down
    // nothing but `_id`: there the flag changes nothing.
    '--test-enable-nested-pushdown',
    '--log-level=warn',
  ];
  const logFd = openSync(join(dir, 'ferretdb.log'), 'a');
  const child = spawn(binary, args, { env: { ...process.env, DO_NOT_TRACK: '1' }, stdio: ['ignore', logFd, logFd] });
  const watchdog = startWatchdog(process.pid, [
    { pid: child.pid, signal: 'SIGTERM' },
    ...(postgres ? [{ pid: postgres.pid, signal: 'SIGINT' }] : []),
  ]);
  let exited = 0;
  const onExit = () => (exited += 1) === (postgres ? 2 : 1) && watchdog.kill();
  child.once('exit', onExit);
  postgres?.child.once('exit', onExit);
  const stopFerretDb = () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  const stop = async () => {
    await stopFerretDb();
    await postgres?.stop();
  };
  try {
    await waitForCommands(listenPort, child, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: child.pid,
    port: listenPort,
    dataDir: dir,
    uri: `mongodb://127.0.0.1:${listenPort}/`,
    metricsUrl: debugPort === undefined ? undefined : `http://127.0.0.1:${debugPort}/debug/metrics`,
    backend: postgres ? 'postgresql' : 'sqlite',
    postgres: postgres && {
      pid: postgres.pid,
      port: postgres.port,
      url: postgres.url,
      source: postgres.source,
      version: postgres.version,
      bin: postgres.bin,
      user: postgres.user,
    },
    child,
    /** FerretDB's PID and, on PostgreSQL, those of the server's processes now. */
    pids: () => [child.pid, ...(postgres ? processTree(postgres.pid) : [])],
    stop,
  };
}

/** One phrase for logs: which backend, and where PostgreSQL came from. */
export function describeBackend(server) {
  if (server.backend === 'sqlite') return 'SQLite backend';
  const { pid, port, version, source, user } = server.postgres;
  return `PostgreSQL backend (${version} from ${source}, pid ${pid}, port ${port}${user ? `, as ${user}` : ''})`;
}

async function main([command, portArg, dataDirArg]) {
  if (command === 'ensure') {
    console.log(ensureBinary());
  } else if (command === 'run') {
    const server = await startFerretDb({ port: portArg ? Number(portArg) : 27018, dataDir: dataDirArg ?? '.local/ferretdb' });
    log(`FerretDB ${FERRETDB_VERSION} (pid ${server.pid}) on ${server.uri}, ${describeBackend(server)}, data in ${server.dataDir}`);
    const shutdown = () => server.stop().then(() => process.exit(0));
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  } else {
    console.error('usage: node scripts/ferretdb.mjs ensure | run [port] [dataDir]');
    process.exit(2);
  }
}

// No top-level await: Jest loads this module with require() for its global setup.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    log(error.message);
    process.exit(1);
  });
}
