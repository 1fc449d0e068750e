import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/ferretdb.mjs';
import { waitFor } from '../support/lifecycle-state.js';

/** Every process whose parent chain leads to `root`, with its command line (Linux /proc). */
function descendants(root: number): Map<number, string> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while being read.
    }
  }
  const found = new Map<number, string>();
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid || found.has(child)) continue;
      try {
        found.set(child, readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
      } catch {
        continue;
      }
      visit(child);
    }
  };
  visit(root);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Launched {
  child: ChildProcess;
  output: () => string;
  /** The processes it started, once the service answers: the launcher, FerretDB, the service, their watchdogs. */
  started: Map<number, string>;
}

/** Runs `command` with no MONGODB_URI, so the launcher starts FerretDB of its own, and waits until the service answers. */
async function launch(command: string, args: string[], dataDir: string): Promise<Launched> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    LOCAL_DB_PORT: String(await freePort()),
    LOCAL_DB_DIR: dataDir,
  };
  delete env.MONGODB_URI;
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} exited during start-up:\n${output}`);
      return (
        (await fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.ok,
          () => false,
        )) || undefined
      );
    },
    () => `the service of ${command} ${args.join(' ')} on port ${port}:\n${output}`,
    120_000,
  );
  return { child, output: () => output, started: descendants(child.pid!) };
}

async function expectAllGone(launched: Launched): Promise<void> {
  const commands = [...launched.started.values()];
  expect(commands).toEqual(expect.arrayContaining([expect.stringContaining('dist/main.js'), expect.stringContaining('ferretdb')]));
  const pids = [launched.child.pid!, ...launched.started.keys()];
  await waitFor(
    () => Promise.resolve(pids.some(alive) ? undefined : true),
    () =>
      `every process to stop; still running: ${pids
        .filter(alive)
        .map((pid) => `${pid} ${launched.started.get(pid) ?? 'npm'}`)
        .join('; ')}`,
    20_000,
  );
}

describe('npm run start:local and its launcher', () => {
  let dataDir: string;
  let launched: Launched | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'launcher-ferretdb-'));
  });

  afterEach(() => {
    // Nothing may outlive a failed test either.
    for (const pid of [launched?.child.pid, ...(launched?.started.keys() ?? [])]) {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    launched = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGTERM to npm stops the launcher, the service, FerretDB and the watchdogs', async () => {
    launched = await launch('npm', ['run', 'start:local'], dataDir);
    expect(launched.output()).toContain('FerretDB (pid');
    launched.child.kill('SIGTERM');
    await expectAllGone(launched);
    expect(launched.output()).toContain('SIGTERM received');
  }, 240_000);

  // What the service logs: the signal itself (Ctrl-C is SIGINT), SIGHUP as the SIGTERM it is passed on as.
  it.each([
    ['SIGINT', 'SIGINT received'],
    ['SIGHUP', 'SIGTERM received'],
    ['SIGKILL', undefined],
  ] as const)(
    '%s to the launcher stops everything it started',
    async (signal, logged) => {
      launched = await launch(process.execPath, ['scripts/start-local.mjs'], dataDir);
      launched.child.kill(signal);
      await expectAllGone(launched);
      if (logged) expect(launched.output()).toContain(logged);
    },
    120_000,
  );
});
