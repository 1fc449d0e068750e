import mongoose from 'mongoose';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { availableParallelism } from 'node:os';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, validateSync } from 'class-validator';

export const NODE_ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type NodeEnvironment = (typeof NODE_ENVIRONMENTS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const DURATION_PATTERN = /^\d+\s*(s|m|h|d)?$/;
const DB_NAME_PATTERN = /^[A-Za-z0-9_-]{1,38}$/;

export const PLACEMENT_MODES = ['collection', 'shared', 'database'] as const;
export type PlacementModeName = (typeof PLACEMENT_MODES)[number];
const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const MONGODB_URI_PATTERN = /^mongodb(\+srv)?:\/\/\S+$/;

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

/** true/false, 1/0, yes/no, on/off (any case); any other word is left as sent, for @IsBoolean to refuse. */
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return TRUE_WORDS.includes(word) ? true : FALSE_WORDS.includes(word) ? false : value;
};
const BOOLEAN = (variable: string) => ({ message: `${variable} must be true or false (also 1/0, yes/no, on/off)` });

/** Every environment variable the service reads; `.env.example` documents each one. */
export class EnvironmentVariables {
  @IsIn(NODE_ENVIRONMENTS)
  NODE_ENV: NodeEnvironment = 'development';

  @IsString()
  HOST = '127.0.0.1';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGODB_URI must start with mongodb:// or mongodb+srv://' })
  MONGODB_URI: string;

  @Matches(DB_NAME_PATTERN, { message: 'MASTER_DB_NAME must be 1-38 characters of letters, digits, _ or -' })
  MASTER_DB_NAME = 'master_db';

  @Matches(DB_NAME_PATTERN, { message: 'TENANT_DB_NAME must be 1-38 characters of letters, digits, _ or -' })
  TENANT_DB_NAME = 'tenant_db';

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  MONGODB_SERVER_SELECTION_TIMEOUT_MS = 2000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  MONGODB_SOCKET_TIMEOUT_MS = 10_000;

  /** Required and at least 32 characters in production (checked in validateEnvironment). */
  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  /** Comma-separated secrets of earlier keys: tokens they signed still verify, none is signed with them. */
  @IsOptional()
  @IsString()
  JWT_PREVIOUS_SECRETS?: string;

  @Matches(DURATION_PATTERN, { message: 'JWT_EXPIRES_IN must be a number of seconds or a duration such as 15m, 1h, 1d' })
  JWT_EXPIRES_IN = '1h';

  @Matches(DURATION_PATTERN, { message: 'INVITATION_TTL must be a number of seconds or a duration such as 15m, 1h, 7d' })
  INVITATION_TTL = '7d';

  @IsString()
  @MaxLength(200)
  JWT_ISSUER = 'organization-management-service';

  @IsString()
  @MaxLength(200)
  JWT_AUDIENCE = 'organization-management-api';

  @Type(() => Number)
  @IsInt()
  @Min(8192)
  @Max(4_194_304)
  ARGON2_MEMORY_KIB = 19456;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  ARGON2_TIME_COST = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  ARGON2_PARALLELISM = 1;

  @Type(() => Number)
  @IsInt()
  @Min(8)
  @Max(128)
  PASSWORD_MIN_LENGTH = 12;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  LOGIN_MAX_FAILURES_PER_IP = 100;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  LOGIN_MAX_FAILURES_PER_EMAIL = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_WINDOW_SECONDS = 900;

  /** Password hashes (and verifications) running at once per process; one per core by default. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  HASH_CONCURRENCY = availableParallelism();

  /**
   * Hashes waiting for a slot before the next is refused with 503: 32 per core by default, about a
   * second of queueing at the default argon2 cost.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  HASH_QUEUE_LIMIT = 32 * availableParallelism();

  /** POST /org/create and POST /invitations/accept allowed per client address and window. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  ONBOARDING_RATE_LIMIT = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  ONBOARDING_RATE_WINDOW_SECONDS = 60;

  @IsIn(['mongo', 'memory'])
  LOGIN_THROTTLE_STORE: 'mongo' | 'memory' = 'mongo';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @IsIn(LOG_FORMATS)
  LOG_FORMAT: LogFormat = 'json';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  SHUTDOWN_TIMEOUT_SECONDS = 10;

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(toBoolean)
  @IsBoolean(BOOLEAN('TRUST_PROXY'))
  TRUST_PROXY = false;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  TENANT_MODEL_CACHE_SIZE = 500;

  /** How often each instance writes the `last_used_at` of the API keys used since its last write: at most once per key per interval. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60)
  API_KEY_USAGE_FLUSH_SECONDS = 60;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  LIFECYCLE_LEASE_SECONDS = 30;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  RECONCILE_INTERVAL_SECONDS = 60;

  /**
   * Comma-separated operator keys for /platform/* (each at least 32 characters, no whitespace;
   * checked in validateEnvironment). Unset: /platform/* answers 401 to everyone.
   */
  @IsOptional()
  @IsString()
  PLATFORM_API_KEYS?: string;

  /** GET /org/list without an operator key, as before operators existed. */
  @Transform(toBoolean)
  @IsBoolean(BOOLEAN('ORG_LIST_PUBLIC'))
  ORG_LIST_PUBLIC = false;

  /**
   * The MongoDB deployments that hold tenant data, `name=uri,name=uri` (parsed and checked in
   * validateEnvironment). Unset: one cluster `default` on MONGODB_URI.
   */
  @IsOptional()
  @IsString()
  TENANT_CLUSTERS?: string;

  @IsIn(PLACEMENT_MODES)
  DEFAULT_PLACEMENT: PlacementModeName = 'collection';

  @Matches(CLUSTER_NAME_PATTERN, { message: 'DEFAULT_CLUSTER must be 1-32 characters of letters, digits, _ or -' })
  DEFAULT_CLUSTER = 'default';

  /** Collections plus indexes a cluster may hold before new `collection`-mode organizations go `shared`. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(10_000_000)
  TENANT_COLLECTION_BUDGET = 10_000;

  /** Secondary indexes one organization may create on its records. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60)
  TENANT_MAX_INDEXES = 10;

  /** Default quota: records per organization (operators override one organization's). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000_000)
  TENANT_MAX_DOCUMENTS = 1_000_000;

  /** Default quota: bytes of record data (JSON) per organization. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(Number.MAX_SAFE_INTEGER)
  TENANT_MAX_BYTES = 1024 ** 3;

  /** Requests per second per organization on /org/records* on each instance, then 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  TENANT_RATE_LIMIT = 200;

  /** The largest body POST /org/import accepts. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(1024 ** 4)
  IMPORT_MAX_BYTES = 256 * 1024 ** 2;

  /** Lets webhook endpoints point at loopback and private addresses: tests and local runs only. */
  @Transform(toBoolean)
  @IsBoolean(BOOLEAN('WEBHOOK_ALLOW_PRIVATE_TARGETS'))
  WEBHOOK_ALLOW_PRIVATE_TARGETS = false;

  /** The first retry's delay; each further one doubles it (with jitter), up to an hour. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  WEBHOOK_RETRY_BASE_MS = 5000;

  /** How long a delivery is retried before it is `failed` (SPEC: at least 24 hours). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(30 * 86_400)
  WEBHOOK_RETRY_FOR_SECONDS = 86_400;

  /** An endpoint that has failed for this long, with no success between, is disabled (SPEC: 5 days). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(90 * 86_400)
  WEBHOOK_DISABLE_AFTER_SECONDS = 5 * 86_400;

  /** How often each instance looks for events to hand out and deliveries that are due. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  WEBHOOK_POLL_MS = 500;

  @IsOptional()
  @IsString()
  TEST_CRASH_POINT?: string;
}

export class InvalidConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidConfigurationError';
  }
}

/** Parses and validates raw environment variables; throws naming every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''));
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  // One problem per variable: the first rule it breaks.
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false, stopAtFirstError: true });
  const problems = errors.flatMap((error) => Object.values(error.constraints ?? { invalid: `${error.property} is invalid` }));
  if (env.NODE_ENV === 'production' && (env.JWT_SECRET?.length ?? 0) < 32) {
    problems.push('JWT_SECRET is required and must be at least 32 characters when NODE_ENV=production');
  }
  if (previousSecrets(env).some((secret) => secret.length < 32)) {
    problems.push('JWT_PREVIOUS_SECRETS must be a comma-separated list of secrets of at least 32 characters each');
  }
  const operatorKeys = platformApiKeys(env);
  if (operatorKeys.some((key) => key.length < PLATFORM_API_KEY_MIN_LENGTH || /\s/.test(key))) {
    problems.push(
      `PLATFORM_API_KEYS must be a comma-separated list of keys of at least ${PLATFORM_API_KEY_MIN_LENGTH} characters each, without whitespace`,
    );
  } else if (new Set(operatorKeys).size !== operatorKeys.length) {
    problems.push('PLATFORM_API_KEYS lists the same key twice');
  }
  problems.push(...tenantClusterProblems(env));
  if (env.NODE_ENV !== 'test') {
    if (env.TEST_CRASH_POINT) problems.push('TEST_CRASH_POINT is only allowed when NODE_ENV=test');
    if (env.LOGIN_THROTTLE_STORE === 'memory') problems.push('LOGIN_THROTTLE_STORE=memory is only allowed when NODE_ENV=test');
  }
  if (problems.length > 0) throw new InvalidConfigurationError(problems);
  return env;
}

/** The shortest operator key PLATFORM_API_KEYS accepts. */
export const PLATFORM_API_KEY_MIN_LENGTH = 32;

/** The keys of PLATFORM_API_KEYS, trimmed; empty entries (a trailing comma) are ignored. */
export function platformApiKeys(env: Pick<EnvironmentVariables, 'PLATFORM_API_KEYS'>): string[] {
  return (env.PLATFORM_API_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

/** The secrets of JWT_PREVIOUS_SECRETS, trimmed. */
export function previousSecrets(env: Pick<EnvironmentVariables, 'JWT_PREVIOUS_SECRETS'>): string[] {
  return (env.JWT_PREVIOUS_SECRETS ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
}

export interface TenantClusterSetting {
  name: string;
  uri: string;
}

/**
 * The clusters of TENANT_CLUSTERS (`name=uri,...`), in the order given; unset, one cluster `default`
 * on MONGODB_URI. Entries are split only at a comma that starts the next `name=mongodb...`, since a
 * replica set's URI lists its hosts with commas; each at its first `=`, since a query string has its own.
 */
export function tenantClusters(env: Pick<EnvironmentVariables, 'TENANT_CLUSTERS' | 'MONGODB_URI'>): TenantClusterSetting[] {
  if (!env.TENANT_CLUSTERS?.trim()) return [{ name: 'default', uri: env.MONGODB_URI }];
  return env.TENANT_CLUSTERS.split(/,(?=\s*[^,=\s]+\s*=\s*mongodb(?:\+srv)?:\/\/)/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      return at < 0 ? { name: entry, uri: '' } : { name: entry.slice(0, at).trim(), uri: entry.slice(at + 1).trim() };
    });
}

function tenantClusterProblems(env: EnvironmentVariables): string[] {
  // Unset, the one cluster is MONGODB_URI, which is checked on its own.
  if (!env.TENANT_CLUSTERS?.trim()) {
    return env.DEFAULT_CLUSTER === 'default' ? [] : [`DEFAULT_CLUSTER "${env.DEFAULT_CLUSTER}" is not one of TENANT_CLUSTERS (default)`];
  }
  const clusters = tenantClusters(env);
  const problems: string[] = [];
  for (const { name, uri } of clusters) {
    if (!CLUSTER_NAME_PATTERN.test(name)) {
      problems.push(`TENANT_CLUSTERS: cluster name "${name}" must be 1-32 characters of letters, digits, _ or -`);
    } else if (!MONGODB_URI_PATTERN.test(uri)) {
      problems.push(`TENANT_CLUSTERS: cluster ${name} needs a URI starting with mongodb:// or mongodb+srv:// (name=uri)`);
    } else {
      const parseProblem = mongoUriProblem(uri);
      if (parseProblem) problems.push(`TENANT_CLUSTERS: cluster ${name} has an unusable URI (${parseProblem})`);
    }
  }
  const names = clusters.map(({ name }) => name);
  if (new Set(names).size !== names.length) problems.push('TENANT_CLUSTERS names the same cluster twice');
  if (clusters.length === 0) problems.push('TENANT_CLUSTERS names no cluster');
  if (problems.length === 0 && !names.includes(env.DEFAULT_CLUSTER)) {
    problems.push(`DEFAULT_CLUSTER "${env.DEFAULT_CLUSTER}" is not one of TENANT_CLUSTERS (${names.join(', ')})`);
  }
  return problems;
}

/** Why the driver would refuse this URI (it parses without connecting); undefined when it accepts it. */
function mongoUriProblem(uri: string): string | undefined {
  try {
    new mongoose.mongo.MongoClient(uri);
    return undefined;
  } catch (error) {
    // The driver's message may quote the URI; credentials must not reach a log, so only its kind.
    return (error as Error).message.replace(uri, '<uri>').replace(/\/\/[^@/]*@/g, '//<credentials>@');
  }
}
