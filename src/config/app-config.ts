import { createHash, createSecretKey, hkdfSync, KeyObject, randomBytes } from 'node:crypto';
import {
  EnvironmentVariables,
  LogFormat,
  LogLevel,
  NodeEnvironment,
  PlacementModeName,
  platformApiKeys,
  previousSecrets,
  TenantClusterSetting,
  tenantClusters,
  validateEnvironment,
} from './environment.js';

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90" -> 90, "15m" -> 900, "1h" -> 3600, "2d" -> 172800. */
export function parseDurationSeconds(value: string): number {
  const match = /^(\d+)\s*([smhd])?$/.exec(value.trim());
  if (!match) throw new Error(`Not a duration: ${value}`);
  return Number(match[1]) * DURATION_UNITS[match[2] ?? 's'];
}

/**
 * A token's `kid`: derived from its key, so rotating JWT_SECRET changes it, and one-way, so it says
 * nothing about the secret.
 */
export function keyIdOf(secret: string): string {
  return createHash('sha256').update(`kid:${secret}`).digest('base64url').slice(0, 16);
}

/** The AES-256 key that seals webhook endpoint secrets, derived from a JWT secret (HKDF-SHA256). */
export function webhookSealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'organization-management-service', 'webhook-endpoint-secrets', 32));
}

/** The SHA-256 digest of a secret, as operator keys are compared. */
export function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The service's configuration: read once from the environment, validated, then immutable. */
export class AppConfig {
  readonly nodeEnv: NodeEnvironment;
  readonly http: { host: string; port: number; trustProxy: boolean; corsOrigins: string[] };
  readonly mongo: {
    uri: string;
    masterDbName: string;
    tenantDbName: string;
    serverSelectionTimeoutMs: number;
    socketTimeoutMs: number;
  };
  readonly jwt: {
    secret: string;
    /** The secret as a key object, built once: given a string, jsonwebtoken first tries to parse it as a PEM key and throws. */
    key: KeyObject;
    /** The `kid` of `key`, sent in every token's header. */
    keyId: string;
    /** Every key a token may be verified with, by `kid`: the current one and JWT_PREVIOUS_SECRETS. */
    verificationKeys: ReadonlyMap<string, KeyObject>;
    ephemeralSecret: boolean;
    expiresInSeconds: number;
    issuer: string;
    audience: string;
  };
  readonly argon2: { memoryCost: number; timeCost: number; parallelism: number };
  readonly passwordMinLength: number;
  /** How long an invitation can be accepted. */
  readonly invitationTtlSeconds: number;
  /** Seconds between an instance's writes of API keys' `last_used_at` (one write per key used meanwhile). */
  readonly apiKeyUsageFlushSeconds: number;
  readonly loginThrottle: {
    store: 'mongo' | 'memory';
    maxFailuresPerIp: number;
    maxFailuresPerEmail: number;
    windowSeconds: number;
  };
  /** Password hashing per process: at most `concurrency` at once and `queueLimit` waiting. */
  readonly hashing: { concurrency: number; queueLimit: number };
  /** Per-address rate limit of creates and invitation accepts (per instance). */
  readonly onboardingRateLimit: { limit: number; windowSeconds: number };
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** How long a SIGTERM or SIGINT waits for in-flight requests before the process exits anyway. */
  readonly shutdownTimeoutSeconds: number;
  readonly tenantModelCacheSize: number;
  readonly lifecycle: { leaseSeconds: number; reconcileIntervalSeconds: number };
  readonly platform: {
    /**
     * SHA-256 digests of the operator keys (PLATFORM_API_KEYS), worked out once: a presented key is
     * hashed and compared with these, never with the keys themselves. Empty: no operator access.
     */
    operatorKeyDigests: readonly Buffer[];
    /** GET /org/list is open to everyone (ORG_LIST_PUBLIC) instead of needing an operator key. */
    orgListPublic: boolean;
  };
  /** Where tenant data lives: the clusters, and where new organizations are placed. */
  readonly tenancy: {
    clusters: readonly TenantClusterSetting[];
    defaultPlacement: PlacementModeName;
    defaultCluster: string;
    collectionBudget: number;
  };
  /** What one organization may hold and ask of its tenant data. */
  readonly tenantData: {
    maxIndexes: number;
    /** Default quotas; an operator's override on the organization wins. */
    maxDocuments: number;
    maxBytes: number;
    /** Requests per second per organization on /org/records*, per instance. */
    rateLimit: number;
    importMaxBytes: number;
  };
  readonly webhooks: {
    allowPrivateTargets: boolean;
    retryBaseMs: number;
    retryForSeconds: number;
    disableAfterSeconds: number;
    pollMs: number;
    /** Keys that seal endpoint secrets at rest, derived from JWT_SECRET (sealing) and JWT_PREVIOUS_SECRETS (opening too). */
    secretKeys: readonly Buffer[];
  };
  /** Test-only fault injection: the name of the lifecycle step at which the process exits. */
  readonly testCrashPoint: string | undefined;

  constructor(env: EnvironmentVariables) {
    this.nodeEnv = env.NODE_ENV;
    this.http = {
      host: env.HOST,
      port: env.PORT,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: (env.CORS_ORIGINS ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    };
    this.mongo = {
      uri: env.MONGODB_URI,
      masterDbName: env.MASTER_DB_NAME,
      tenantDbName: env.TENANT_DB_NAME,
      serverSelectionTimeoutMs: env.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
      socketTimeoutMs: env.MONGODB_SOCKET_TIMEOUT_MS,
    };
    // Local and test runs without a secret get a random one per process: never a default in the repo.
    const secret = env.JWT_SECRET ?? randomBytes(48).toString('base64url');
    this.jwt = {
      secret,
      key: createSecretKey(Buffer.from(secret)),
      keyId: keyIdOf(secret),
      verificationKeys: new Map([secret, ...previousSecrets(env)].map((known) => [keyIdOf(known), createSecretKey(Buffer.from(known))])),
      ephemeralSecret: env.JWT_SECRET === undefined,
      expiresInSeconds: parseDurationSeconds(env.JWT_EXPIRES_IN),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    };
    this.argon2 = {
      memoryCost: env.ARGON2_MEMORY_KIB,
      timeCost: env.ARGON2_TIME_COST,
      parallelism: env.ARGON2_PARALLELISM,
    };
    this.passwordMinLength = env.PASSWORD_MIN_LENGTH;
    this.invitationTtlSeconds = parseDurationSeconds(env.INVITATION_TTL);
    this.apiKeyUsageFlushSeconds = env.API_KEY_USAGE_FLUSH_SECONDS;
    this.loginThrottle = {
      store: env.LOGIN_THROTTLE_STORE,
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      maxFailuresPerEmail: env.LOGIN_MAX_FAILURES_PER_EMAIL,
      windowSeconds: env.LOGIN_WINDOW_SECONDS,
    };
    this.hashing = { concurrency: env.HASH_CONCURRENCY, queueLimit: env.HASH_QUEUE_LIMIT };
    this.onboardingRateLimit = { limit: env.ONBOARDING_RATE_LIMIT, windowSeconds: env.ONBOARDING_RATE_WINDOW_SECONDS };
    this.logLevel = env.LOG_LEVEL;
    this.logFormat = env.LOG_FORMAT;
    this.shutdownTimeoutSeconds = env.SHUTDOWN_TIMEOUT_SECONDS;
    this.tenantModelCacheSize = env.TENANT_MODEL_CACHE_SIZE;
    this.lifecycle = {
      leaseSeconds: env.LIFECYCLE_LEASE_SECONDS,
      reconcileIntervalSeconds: env.RECONCILE_INTERVAL_SECONDS,
    };
    this.platform = {
      operatorKeyDigests: Object.freeze(platformApiKeys(env).map(sha256)),
      orgListPublic: env.ORG_LIST_PUBLIC,
    };
    this.tenancy = {
      clusters: Object.freeze(tenantClusters(env)),
      defaultPlacement: env.DEFAULT_PLACEMENT,
      defaultCluster: env.DEFAULT_CLUSTER,
      collectionBudget: env.TENANT_COLLECTION_BUDGET,
    };
    this.tenantData = {
      maxIndexes: env.TENANT_MAX_INDEXES,
      maxDocuments: env.TENANT_MAX_DOCUMENTS,
      maxBytes: env.TENANT_MAX_BYTES,
      rateLimit: env.TENANT_RATE_LIMIT,
      importMaxBytes: env.IMPORT_MAX_BYTES,
    };
    this.webhooks = {
      allowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryForSeconds: env.WEBHOOK_RETRY_FOR_SECONDS,
      disableAfterSeconds: env.WEBHOOK_DISABLE_AFTER_SECONDS,
      pollMs: env.WEBHOOK_POLL_MS,
      secretKeys: Object.freeze([secret, ...previousSecrets(env)].map(webhookSealingKey)),
    };
    this.testCrashPoint = env.TEST_CRASH_POINT;
    Object.freeze(this);
  }

  static fromEnvironment(raw: Record<string, string | undefined>): AppConfig {
    return new AppConfig(validateEnvironment(raw));
  }
}
