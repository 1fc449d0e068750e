// Starting and stopping what the bench runs: every child is tracked by PID and stopped at the end,
// also when the bench fails or is interrupted.
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

const children = new Set();

function track(child, label) {
  children.add({ child, label });
  child.once('exit', () => {
    for (const entry of children) if (entry.child === child) children.delete(entry);
  });
  return child;
}

/** Stops one child by PID: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export function stopChild(child, graceMs = 10_000) {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

export async function stopAllChildren() {
  await Promise.all([...children].map(({ child }) => stopChild(child)));
}

/** Compiles src/ with the project's build tsconfig into `outDir`, leaving dist/ alone. */
export function buildService(root, outDir) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`Build failed:\n${result.stdout}${result.stderr}`);
  // The service reads its name and version from the package.json one level above its code.
  copyFileSync(join(root, 'package.json'), join(outDir, '..', 'package.json'));
  return join(outDir, 'main.js');
}

/**
 * The environment the benches that drive the service through its API give it: production mode, a
 * fresh JWT secret, argon2 at its cheapest allowed cost (they hash only for the organizations they
 * create), the onboarding and per-organization rate limits lifted (one organization's requests
 * measure its paths, not its fair-share 429s, 200/s by default), warnings only, no periodic
 * reconcile pass; `overrides` on top.
 */
export function benchServiceEnv(mongodbUri, overrides = {}) {
  return {
    NODE_ENV: 'production',
    MONGODB_URI: mongodbUri,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_TIME_COST: '1',
    ONBOARDING_RATE_LIMIT: '1000000',
    TENANT_RATE_LIMIT: '1000000',
    LOG_LEVEL: 'warn',
    RECONCILE_INTERVAL_SECONDS: '0',
    ...overrides,
  };
}

/** The machine a result file was measured on; `database` says which database. */
export function machineOf(database) {
  const fixed = (value, digits) => Number(value.toFixed(digits));
  return {
    cores: cpus().length,
    cpu_model: cpus()[0]?.model,
    memory_gib: fixed(totalmem() / 1024 ** 3, 1),
    node: process.version,
    database,
    load_average_at_start: loadavg().map((value) => fixed(value, 2)),
  };
}

/**
 * Starts the built service on 127.0.0.1 and waits until /health/ready answers 200.
 * With `profileDir`, Node writes a CPU profile there when the service exits; with
 * `heapSnapshotDir`, it writes a heap snapshot there on each SIGUSR2 (see takeHeapSnapshot).
 */
export async function startService({ label, entry, env, port, profileDir, heapSnapshotDir }) {
  const nodeArgs = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...(heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapSnapshotDir}`] : []),
    // BENCH_SERVICE_NODE_OPTIONS: extra Node/V8 flags for the service instances, to compare a setting.
    ...(process.env.BENCH_SERVICE_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
  ];
  for (const dir of [profileDir, heapSnapshotDir]) if (dir) mkdirSync(dir, { recursive: true });
  const child = track(
    spawn(process.execPath, [...nodeArgs, entry], {
      env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    label,
  );
  let output = '';
  let lines = 0;
  const collect = (chunk) => {
    // Kept only until start-up is over; after that, only counted (log lines per request).
    if (lines < 1000) output += chunk;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${label} exited during start-up:\n${output}`);
    const ready = await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { label, baseUrl, pid: child.pid, child, output: () => output, logLines: () => lines };
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error(`${label} was not ready within 60 s:\n${output}`);
}

/** Forks a baseline server script and waits for its first message ('listening'), kept as `ready`. */
export async function startBaseline(label, script, args) {
  const child = track(fork(script, args.map(String), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), label);
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${label} exited with code ${code} during start-up`)));
  });
  return { label, pid: child.pid, child, ready };
}

/** Runs a script to completion and parses the JSON line it prints. */
export function runJsonScript(label, script, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [script, ...args.map(String)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }),
      label,
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`${label} exited with code ${code}`))));
  });
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) a process, or the sum of a list of processes, has used so far,
 * from /proc, including that of its children which have ended (PostgreSQL's postmaster waits
 * for its backends); null where unavailable.
 */
export function cpuSeconds(pids) {
  let total = null;
  for (const pid of [pids].flat()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total = (total ?? 0) + fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0) / CLOCK_TICKS_PER_SECOND;
    } catch {
      // ended meanwhile, or no /proc
    }
  }
  return total;
}

/** Waits until the process has used under 20 ms of CPU in 250 ms (at most `timeoutMs`), so work
 * a scenario left queued (e.g. slow queries still running) does not count against the next one. */
export async function waitUntilIdle(pids, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let previous = cpuSeconds(pids);
  while (previous !== null && Date.now() < deadline) {
    await new Promise((wake) => setTimeout(wake, 250));
    const now = cpuSeconds(pids);
    if (now - previous < 0.02) return;
    previous = now;
  }
}
