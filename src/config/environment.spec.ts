import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { AppConfig, parseDurationSeconds } from './app-config.js';
import { InvalidConfigurationError, tenantClusters, validateEnvironment } from './environment.js';

const MONGODB_URI = 'mongodb://127.0.0.1:27017';
const SECRET_32 = 's'.repeat(32);

/** The problems validateEnvironment reports for the variables, or [] when it accepts them. */
function problemsOf(raw: Record<string, string | undefined>): string[] {
  try {
    validateEnvironment(raw);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    return (error as InvalidConfigurationError).problems;
  }
}

describe('validateEnvironment', () => {
  it('fills every default from the SPEC when only MONGODB_URI is set', () => {
    expect(validateEnvironment({ MONGODB_URI })).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      MONGODB_URI,
      MASTER_DB_NAME: 'master_db',
      TENANT_DB_NAME: 'tenant_db',
      JWT_EXPIRES_IN: '1h',
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_TIME_COST: 2,
      ARGON2_PARALLELISM: 1,
      PASSWORD_MIN_LENGTH: 12,
      LOGIN_THROTTLE_STORE: 'mongo',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      SHUTDOWN_TIMEOUT_SECONDS: 10,
      TRUST_PROXY: false,
      API_KEY_USAGE_FLUSH_SECONDS: 60,
    });
  });

  it('treats empty values as unset', () => {
    expect(validateEnvironment({ MONGODB_URI, PORT: '', MASTER_DB_NAME: '', JWT_SECRET: '' })).toMatchObject({
      PORT: 3000,
      MASTER_DB_NAME: 'master_db',
      JWT_SECRET: undefined,
    });
  });

  it('converts numbers and booleans', () => {
    const env = validateEnvironment({ MONGODB_URI, PORT: '8080', ARGON2_MEMORY_KIB: '65536', TRUST_PROXY: 'true' });
    expect(env).toMatchObject({ PORT: 8080, ARGON2_MEMORY_KIB: 65536, TRUST_PROXY: true });
    expect(validateEnvironment({ MONGODB_URI, TRUST_PROXY: 'no' }).TRUST_PROXY).toBe(false);
  });

  it('requires MONGODB_URI', () => {
    expect(problemsOf({}).join('\n')).toMatch(/MONGODB_URI/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['MONGODB_URI', 'http://127.0.0.1:27017'],
    ['MASTER_DB_NAME', 'has.dot'],
    ['TENANT_DB_NAME', 'x'.repeat(39)],
    ['NODE_ENV', 'staging'],
    ['MONGODB_SERVER_SELECTION_TIMEOUT_MS', '10'],
    ['JWT_EXPIRES_IN', 'soon'],
    ['JWT_EXPIRES_IN', '1w'],
    ['INVITATION_TTL', 'forever'],
    ['JWT_ISSUER', 'i'.repeat(201)],
    ['ARGON2_MEMORY_KIB', '1024'],
    ['ARGON2_MEMORY_KIB', 'lots'],
    ['ARGON2_TIME_COST', '0'],
    ['ARGON2_PARALLELISM', '17'],
    ['PASSWORD_MIN_LENGTH', '4'],
    ['LOGIN_MAX_FAILURES_PER_IP', '0'],
    ['LOGIN_MAX_FAILURES_PER_EMAIL', '-3'],
    ['LOGIN_WINDOW_SECONDS', '86401'],
    ['LOGIN_THROTTLE_STORE', 'redis'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_FORMAT', 'text'],
    ['SHUTDOWN_TIMEOUT_SECONDS', '0'],
    ['SHUTDOWN_TIMEOUT_SECONDS', '301'],
    ['MONGODB_SOCKET_TIMEOUT_MS', '50'],
    ['MONGODB_SOCKET_TIMEOUT_MS', 'long'],
    ['TENANT_MODEL_CACHE_SIZE', '0'],
    ['LIFECYCLE_LEASE_SECONDS', '0'],
    ['RECONCILE_INTERVAL_SECONDS', '-1'],
    ['API_KEY_USAGE_FLUSH_SECONDS', '0'],
    ['API_KEY_USAGE_FLUSH_SECONDS', '61'],
    ['TRUST_PROXY', 'maybe'],
    ['ORG_LIST_PUBLIC', 'ture'],
    ['ORG_LIST_PUBLIC', 'public'],
    ['PLATFORM_API_KEYS', 'k'.repeat(31)],
    ['PLATFORM_API_KEYS', `${'k'.repeat(32)},short`],
    ['PLATFORM_API_KEYS', `${'k'.repeat(16)} ${'k'.repeat(16)}`],
    ['PLATFORM_API_KEYS', `${'k'.repeat(32)},${'k'.repeat(32)}`],
  ])('refuses %s=%j, naming the variable in every problem', (variable, value) => {
    const problems = problemsOf({ MONGODB_URI, [variable]: value });
    expect(problems.length).toBeGreaterThan(0);
    problems.forEach((problem) => expect(problem).toContain(variable));
  });

  it('reports every bad variable at once, in a readable message', () => {
    let error: unknown;
    try {
      validateEnvironment({ MONGODB_URI: 'nope', PORT: 'abc', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid configuration:\n {2}- /);
    for (const variable of ['MONGODB_URI', 'PORT', 'LOG_LEVEL']) expect(message).toContain(variable);
  });

  describe('JWT_SECRET', () => {
    it('is required in production', () => {
      expect(problemsOf({ MONGODB_URI, NODE_ENV: 'production' })).toEqual([expect.stringContaining('JWT_SECRET')]);
    });

    it('must be at least 32 characters in production', () => {
      expect(problemsOf({ MONGODB_URI, NODE_ENV: 'production', JWT_SECRET: SECRET_32.slice(1) })).toEqual([
        expect.stringContaining('JWT_SECRET'),
      ]);
      expect(problemsOf({ MONGODB_URI, NODE_ENV: 'production', JWT_SECRET: SECRET_32 })).toEqual([]);
    });

    it.each(['development', 'test'])('may be missing or short when NODE_ENV=%s', (NODE_ENV) => {
      expect(problemsOf({ MONGODB_URI, NODE_ENV })).toEqual([]);
      expect(problemsOf({ MONGODB_URI, NODE_ENV, JWT_SECRET: 'short' })).toEqual([]);
    });
  });

  describe('PLATFORM_API_KEYS and ORG_LIST_PUBLIC', () => {
    const KEY_A = 'a'.repeat(32);
    const KEY_B = `operator-key-${'b'.repeat(40)}`;

    it('are unset and false by default', () => {
      expect(validateEnvironment({ MONGODB_URI })).toMatchObject({ PLATFORM_API_KEYS: undefined, ORG_LIST_PUBLIC: false });
    });

    it('accept comma-separated keys of 32 characters or more, trimmed, ignoring empty entries', () => {
      expect(problemsOf({ MONGODB_URI, PLATFORM_API_KEYS: ` ${KEY_A} ,${KEY_B},` })).toEqual([]);
    });

    it('refuse a short key in a message that says what a key must be and never repeats a key', () => {
      const problems = problemsOf({ MONGODB_URI, PLATFORM_API_KEYS: `${KEY_A},too-short-a-key` });
      expect(problems).toEqual([
        'PLATFORM_API_KEYS must be a comma-separated list of keys of at least 32 characters each, without whitespace',
      ]);
      expect(problems.join()).not.toContain('too-short-a-key');
    });

    it.each([
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['on', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ])('read ORG_LIST_PUBLIC=%j as %j', (value, expected) => {
      expect(validateEnvironment({ MONGODB_URI, ORG_LIST_PUBLIC: value }).ORG_LIST_PUBLIC).toBe(expected);
    });

    it('refuse a word that is not a boolean, naming the values it takes', () => {
      expect(problemsOf({ MONGODB_URI, ORG_LIST_PUBLIC: 'yes please' })).toEqual([
        'ORG_LIST_PUBLIC must be true or false (also 1/0, yes/no, on/off)',
      ]);
    });
  });

  describe('test-only settings', () => {
    it('allows TEST_CRASH_POINT only when NODE_ENV=test', () => {
      expect(validateEnvironment({ MONGODB_URI, NODE_ENV: 'test', TEST_CRASH_POINT: 'create.after-claims' }).TEST_CRASH_POINT).toBe(
        'create.after-claims',
      );
      for (const NODE_ENV of ['development', 'production']) {
        const problems = problemsOf({ MONGODB_URI, NODE_ENV, JWT_SECRET: SECRET_32, TEST_CRASH_POINT: 'create.after-claims' });
        expect(problems).toEqual([expect.stringContaining('TEST_CRASH_POINT')]);
      }
    });

    it('allows the memory login throttle store only when NODE_ENV=test', () => {
      expect(problemsOf({ MONGODB_URI, NODE_ENV: 'test', LOGIN_THROTTLE_STORE: 'memory' })).toEqual([]);
      expect(problemsOf({ MONGODB_URI, LOGIN_THROTTLE_STORE: 'memory' })).toEqual([expect.stringContaining('LOGIN_THROTTLE_STORE')]);
    });
  });
});

describe('AppConfig', () => {
  it('groups the validated values with the SPEC defaults', () => {
    const config = AppConfig.fromEnvironment({ MONGODB_URI });
    expect(config.nodeEnv).toBe('development');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000, trustProxy: false, corsOrigins: [] });
    expect(config.mongo).toMatchObject({ uri: MONGODB_URI, masterDbName: 'master_db', tenantDbName: 'tenant_db' });
    expect(config.jwt).toMatchObject({ expiresInSeconds: 3600, ephemeralSecret: true });
    expect(config.argon2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(config.passwordMinLength).toBe(12);
    expect(config.invitationTtlSeconds).toBe(7 * 86_400);
    expect(config.apiKeyUsageFlushSeconds).toBe(60);
    expect(config.logFormat).toBe('json');
    expect(config.shutdownTimeoutSeconds).toBe(10);
    expect(config.testCrashPoint).toBeUndefined();
  });

  it('bounds a database round trip by MONGODB_SOCKET_TIMEOUT_MS', () => {
    expect(AppConfig.fromEnvironment({ MONGODB_URI }).mongo).toMatchObject({ serverSelectionTimeoutMs: 2000, socketTimeoutMs: 10_000 });
    expect(AppConfig.fromEnvironment({ MONGODB_URI, MONGODB_SOCKET_TIMEOUT_MS: '30000' }).mongo.socketTimeoutMs).toBe(30_000);
  });

  it('makes up a long random secret per instance when JWT_SECRET is unset outside production', () => {
    const first = AppConfig.fromEnvironment({ MONGODB_URI });
    const second = AppConfig.fromEnvironment({ MONGODB_URI });
    expect(first.jwt.secret.length).toBeGreaterThanOrEqual(32);
    expect(first.jwt.secret).not.toBe(second.jwt.secret);
  });

  it('uses the given secret and duration', () => {
    const config = AppConfig.fromEnvironment({ MONGODB_URI, NODE_ENV: 'production', JWT_SECRET: SECRET_32, JWT_EXPIRES_IN: '15m' });
    expect(config.jwt).toMatchObject({ secret: SECRET_32, ephemeralSecret: false, expiresInSeconds: 900 });
  });

  it('reads the invitation lifetime as a duration', () => {
    expect(AppConfig.fromEnvironment({ MONGODB_URI, INVITATION_TTL: '2h' }).invitationTtlSeconds).toBe(7200);
  });

  it('splits CORS_ORIGINS on commas and drops blanks', () => {
    const config = AppConfig.fromEnvironment({ MONGODB_URI, CORS_ORIGINS: ' https://a.example , https://b.example,, ' });
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('keeps the SHA-256 digests of the operator keys, not the keys, and whether GET /org/list is public', () => {
    const key = 'operator-key-0123456789abcdef0123456789';
    const config = AppConfig.fromEnvironment({ MONGODB_URI, PLATFORM_API_KEYS: `${key}, ${'z'.repeat(32)}`, ORG_LIST_PUBLIC: 'true' });
    expect(config.platform.operatorKeyDigests.map((digest) => digest.toString('hex'))).toEqual([
      createHash('sha256').update(key).digest('hex'),
      createHash('sha256').update('z'.repeat(32)).digest('hex'),
    ]);
    expect(config.platform.orgListPublic).toBe(true);
    expect(JSON.stringify(config.platform)).not.toContain(key);
    expect(AppConfig.fromEnvironment({ MONGODB_URI }).platform).toEqual({ operatorKeyDigests: [], orgListPublic: false });
  });

  it('is immutable', () => {
    const config = AppConfig.fromEnvironment({ MONGODB_URI });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => Object.assign(config, { passwordMinLength: 1 })).toThrow(TypeError);
  });

  it('refuses a bad environment with InvalidConfigurationError', () => {
    expect(() => AppConfig.fromEnvironment({ MONGODB_URI, PORT: 'abc' })).toThrow(InvalidConfigurationError);
  });
});

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['0', 0],
    ['45s', 45],
    ['15m', 900],
    ['1h', 3600],
    ['2d', 172_800],
    [' 30 s ', 30],
  ])('reads %j as %d seconds', (value, seconds) => {
    expect(parseDurationSeconds(value)).toBe(seconds);
  });

  it.each(['', 'abc', '1w', '-5', '1.5h', 'h', '10 minutes'])('refuses %j', (value) => {
    expect(() => parseDurationSeconds(value)).toThrow(/Not a duration/);
  });
});

describe('TENANT_CLUSTERS', () => {
  const uri = 'mongodb://127.0.0.1:27017';

  it('reads name=uri pairs, keeping the commas of a replica set URI inside its entry', () => {
    const env = validateEnvironment({
      MONGODB_URI: uri,
      TENANT_CLUSTERS:
        'default=mongodb://127.0.0.1:27017, eu=mongodb://h1:27017,h2:27017,h3:27017/?replicaSet=rs0&w=majority,atlas=mongodb+srv://user:secret@cluster0.example.net/',
    });
    expect(tenantClusters(env)).toEqual([
      { name: 'default', uri: 'mongodb://127.0.0.1:27017' },
      { name: 'eu', uri: 'mongodb://h1:27017,h2:27017,h3:27017/?replicaSet=rs0&w=majority' },
      { name: 'atlas', uri: 'mongodb+srv://user:secret@cluster0.example.net/' },
    ]);
  });

  it('is one cluster named default on MONGODB_URI when unset', () => {
    expect(tenantClusters(validateEnvironment({ MONGODB_URI: uri }))).toEqual([{ name: 'default', uri }]);
  });

  it.each([
    ['default=http://127.0.0.1', /cluster default needs a URI starting with mongodb/],
    ['default', /cluster default needs a URI/],
    ['bad name=mongodb://127.0.0.1', /cluster name "bad name"/],
    ['a=mongodb://127.0.0.1,a=mongodb://127.0.0.2', /names the same cluster twice/],
    ['a=mongodb://h:notaport', /cluster a has an unusable URI/],
  ])('refuses %s with a clear message', (value, message) => {
    expect(() => validateEnvironment({ MONGODB_URI: uri, TENANT_CLUSTERS: value, DEFAULT_CLUSTER: 'default' })).toThrow(message);
  });

  it('refuses a DEFAULT_CLUSTER that is not configured, and never prints a URI credential', () => {
    expect(() => validateEnvironment({ MONGODB_URI: uri, TENANT_CLUSTERS: 'a=mongodb://127.0.0.1', DEFAULT_CLUSTER: 'b' })).toThrow(
      /DEFAULT_CLUSTER "b" is not one of TENANT_CLUSTERS \(a\)/,
    );
    expect(() => validateEnvironment({ MONGODB_URI: uri, DEFAULT_CLUSTER: 'b' })).toThrow(/DEFAULT_CLUSTER "b"/);
    let message = '';
    try {
      validateEnvironment({ MONGODB_URI: uri, TENANT_CLUSTERS: 'a=mongodb://user:hunter2@h:notaport' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/cluster a has an unusable URI/);
    expect(message).not.toContain('hunter2');
  });

  it('reads DEFAULT_PLACEMENT and TENANT_COLLECTION_BUDGET', () => {
    expect(validateEnvironment({ MONGODB_URI: uri })).toMatchObject({ DEFAULT_PLACEMENT: 'collection', TENANT_COLLECTION_BUDGET: 10_000 });
    expect(() => validateEnvironment({ MONGODB_URI: uri, DEFAULT_PLACEMENT: 'sharded' })).toThrow(/DEFAULT_PLACEMENT/);
  });
});
