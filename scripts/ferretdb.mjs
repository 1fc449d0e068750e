#!/usr/bin/env node
// Provisions and runs FerretDB v1.24.2 (SQLite backend) as the local MongoDB-compatible server.
// The binary is built once from the Go module proxy into a cache outside the repo and reused.
//
//   node scripts/ferretdb.mjs ensure                 build the binary if it is missing
//   node scripts/ferretdb.mjs run [port] [dataDir]   run in the foreground until interrupted
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode} during start-up`);
    const open = await new Promise((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return;
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`FerretDB did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** Starts FerretDB on 127.0.0.1 with telemetry off; resolves once it accepts connections. */
/** Kills `childPid` once `parentPid` is gone, so a crashed test run leaves no server behind. */
function startWatchdog(parentPid, childPid) {
  const script = `
    const [parent, child] = process.argv.slice(1).map(Number);
    setInterval(() => {
      try { process.kill(parent, 0); } catch {
        try { process.kill(child, 'SIGTERM'); } catch {}
        process.exit(0);
      }
    }, 500);`;
  const watchdog = spawn(process.execPath, ['-e', script, String(parentPid), String(childPid)], { stdio: 'ignore', detached: true });
  watchdog.unref();
  return watchdog;
}

export async function startFerretDb({ port, dataDir } = {}) {
  const binary = ensureBinary();
  const listenPort = port ?? (await freePort());
  const dir = resolve(dataDir ?? mkdtempSync(join(tmpdir(), 'ferretdb-data-')));
  const sqliteDir = join(dir, 'sqlite');
  const stateDir = join(dir, 'state');
  mkdirSync(sqliteDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${sqliteDir}/`,
    `--state-dir=${stateDir}`,
    `--listen-addr=127.0.0.1:${listenPort}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
  const logFd = openSync(join(dir, 'ferretdb.log'), 'a');
  const child = spawn(binary, args, { env: { ...process.env, DO_NOT_TRACK: '1' }, stdio: ['ignore', logFd, logFd] });
  const watchdog = startWatchdog(process.pid, child.pid);
  child.once('exit', () => watchdog.kill());
  await waitForPort(listenPort, child, 20_000);
  return {
    pid: child.pid,
    port: listenPort,
    dataDir: dir,
    uri: `mongodb://127.0.0.1:${listenPort}/`,
    child,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function main([command, portArg, dataDirArg]) {
  if (command === 'ensure') {
    console.log(ensureBinary());
  } else if (command === 'run') {
    const server = await startFerretDb({ port: portArg ? Number(portArg) : 27018, dataDir: dataDirArg ?? '.local/ferretdb' });
    log(`FerretDB ${FERRETDB_VERSION} (pid ${server.pid}) on ${server.uri}, data in ${server.dataDir}`);
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
