import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createHttpAdapter } from '../../src/app.setup.js';
import { AppConfig } from '../../src/config/app-config.js';
import { recordStatuses } from './observed-statuses.js';

export const TEST_JWT_SECRET = 'e2e-test-secret-that-is-long-enough-0123456789';
export const STRONG_PASSWORD = 'a-Strong-passphrase-42';
/** The operator key (PLATFORM_API_KEYS) of every test instance whose suite sets none of its own. */
export const TEST_OPERATOR_KEY = 'e2e-operator-key-that-is-long-enough-0123456789';

/** Environment of a test instance: its own master and tenant databases, cheap argon2, no logs. */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  const suffix = randomBytes(4).toString('hex');
  return {
    NODE_ENV: 'test',
    MONGODB_URI: process.env.MONGODB_URI ?? '',
    MASTER_DB_NAME: `t_master_${suffix}`,
    TENANT_DB_NAME: `t_tenant_${suffix}`,
    JWT_SECRET: TEST_JWT_SECRET,
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_TIME_COST: '1',
    LOG_LEVEL: 'silent',
    RECONCILE_INTERVAL_SECONDS: '0',
    // Every test logs in from 127.0.0.1; the security suites set the login limits they test.
    LOGIN_MAX_FAILURES_PER_IP: '10000',
    // Suites create many organizations from 127.0.0.1; the flood suite sets the limit it tests.
    ONBOARDING_RATE_LIMIT: '1000000',
    // Suites hammer one organization's records with concurrent writers (placement moves, races);
    // the fair-share suite sets the per-organization limit it tests.
    TENANT_RATE_LIMIT: '1000000',
    // GET /org/list and /platform/* take this key; the platform suite also runs without any.
    PLATFORM_API_KEYS: TEST_OPERATOR_KEY,
    ...overrides,
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/**
 * The production AppModule and app setup, on a real database, served in-process; `close` drops its
 * databases. Suites use useTestApp (session.ts); this is for a test that prepares the databases first.
 */
export async function createTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp(AppConfig.fromEnvironment(testEnvironment(overrides)));
}

/** A provider a suite replaces with a stand-in: only for what must never reach the real world (webhooks' DNS and HTTP). */
export interface ProviderOverride {
  provide: abstract new (...args: never[]) => unknown;
  useValue: unknown;
}

export async function startTestApp(config: AppConfig, providers: ProviderOverride[] = []): Promise<TestApp> {
  let builder = Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(AppConfig)
    .useValue(config);
  for (const { provide, useValue } of providers) builder = builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), { logger: false });
  await configureApp(app, config);
  recordStatuses(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    http: () => request(app.getHttpServer()),
    close: async () => {
      await dropDatabases(config);
      await app.close();
    },
  };
}

/** Drops the instance's master database and, on every tenant cluster, its tenant databases (`database`-mode ones too). */
export async function dropDatabases(config: AppConfig): Promise<void> {
  const connection = await mongoose.createConnection(config.mongo.uri).asPromise();
  try {
    await connection.useDb(config.mongo.masterDbName).dropDatabase();
  } finally {
    await connection.close();
  }
  const tenantDb = config.mongo.tenantDbName;
  for (const uri of new Set(config.tenancy.clusters.map((cluster) => cluster.uri))) {
    const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
    try {
      const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
      for (const { name } of databases) {
        if (name === tenantDb || name.startsWith(`${tenantDb}_`)) await client.db(name).dropDatabase();
      }
    } catch {
      // A cluster a suite stopped on purpose: its databases go with its data directory.
    } finally {
      await client.close();
    }
  }
}

/** The second tenant cluster every e2e run has (a FerretDB of its own, or TEST_SECOND_CLUSTER_URI). */
export function secondClusterUri(): string {
  const uri = process.env.TEST_SECOND_CLUSTER_URI;
  if (!uri) throw new Error('TEST_SECOND_CLUSTER_URI is not set: the e2e global setup starts the second cluster');
  return uri;
}

/** Overrides for an instance with two tenant clusters: `default` (on MONGODB_URI) and `b`. */
export function twoClusters(overrides: Record<string, string> = {}): Record<string, string> {
  return { TENANT_CLUSTERS: `default=${process.env.MONGODB_URI ?? ''},b=${secondClusterUri()}`, ...overrides };
}

let counter = 0;
/** A unique organization name and admin email for one test. */
export function uniqueOrg(prefix = 'Org'): { organization_name: string; email: string; password: string } {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}${randomBytes(2).toString('hex')}`;
  return { organization_name: `${prefix} ${tag}`, email: `admin-${tag}@example.com`, password: STRONG_PASSWORD };
}
