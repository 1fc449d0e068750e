import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { AppConfig } from '../../src/config/app-config.js';
import { DirectDatabases, openDatabases } from './direct-db.js';
import { bearer, FetchClient, fetchClient } from './fetch-client.js';
import { ServiceProcess, startServiceProcess } from './service-process.js';
import { dropDatabases, type ProviderOverride, startTestApp, TestApp, testEnvironment, uniqueOrg } from './test-app.js';

type Client = ReturnType<typeof request>;
export type Requests = Pick<Client, 'get' | 'post' | 'put' | 'patch' | 'delete'>;

export interface SessionOptions {
  /** Run on the databases of this session, as a second instance behind a load balancer would; that one drops them. */
  onDatabasesOf?: Session;
  /** In-process only: providers replaced with stand-ins (see ProviderOverride). */
  providers?: ProviderOverride[];
}

/**
 * A service under test on databases of the suite's own, with the suite's direct connection to
 * them. Its parts exist once the beforeAll that useTestApp/useServiceProcess registered has run.
 */
export abstract class Session {
  /** The environment the service runs with (the test's own databases, cheap hashing, no logs). */
  readonly env: Record<string, string>;
  readonly config: AppConfig;
  /** Sessions on these databases: they stop before this one drops the databases. */
  private readonly guests = new Set<Session>();
  private readonly owner: Session | undefined;
  protected readonly providers: ProviderOverride[];
  private databases: DirectDatabases | undefined;
  private stopping: Promise<void> | undefined;

  constructor(overrides: Record<string, string>, { onDatabasesOf, providers }: SessionOptions) {
    this.owner = onDatabasesOf;
    this.providers = providers ?? [];
    this.env = testEnvironment({ ...overrides, ...(onDatabasesOf ? databaseNamesOf(onDatabasesOf.config) : {}) });
    this.config = AppConfig.fromEnvironment(this.env);
    onDatabasesOf?.guests.add(this);
  }

  /** The test's own connection to the service's databases, for checking what was really stored. */
  get db(): DirectDatabases {
    return started(this.databases, 'db');
  }

  /** A supertest client for one request. */
  readonly http = (): Client => this.client();

  /** Requests that carry `token` as their bearer token. */
  readonly withToken = (token: string): Requests => ({
    get: (path: string) => this.client().get(path).set(bearer(token)),
    post: (path: string) => this.client().post(path).set(bearer(token)),
    put: (path: string) => this.client().put(path).set(bearer(token)),
    patch: (path: string) => this.client().patch(path).set(bearer(token)),
    delete: (path: string) => this.client().delete(path).set(bearer(token)),
  });

  protected abstract client(): Client;
  protected abstract startService(): Promise<void>;
  protected abstract stopService(): Promise<void>;

  /** Registers the suite's beforeAll and afterAll. */
  register(): this {
    beforeAll(async () => {
      await this.startService();
      this.databases = await openDatabases(this.config);
    });
    afterAll(() => this.stop());
    return this;
  }

  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const guest of this.guests) await guest.stop();
      await this.stopService();
      await this.databases?.close();
      if (!this.owner) await dropDatabases(this.config);
    })();
    return this.stopping;
  }
}

export class TestSession extends Session {
  private testApp: TestApp | undefined;

  get app(): NestFastifyApplication {
    return started(this.testApp, 'app').app;
  }

  protected client(): Client {
    return started(this.testApp, 'app').http();
  }

  protected async startService(): Promise<void> {
    this.testApp = await startTestApp(this.config, this.providers);
  }

  protected async stopService(): Promise<void> {
    await this.testApp?.app.close();
  }
}

export class ServiceSession extends Session {
  private process: ServiceProcess | undefined;

  get service(): ServiceProcess {
    return started(this.process, 'service');
  }

  /** A fetch client on the process, for what supertest would reshape (raw bodies, headers of the test's own). */
  get api(): FetchClient {
    return fetchClient(this.service.baseUrl);
  }

  protected client(): Client {
    return request(this.service.baseUrl);
  }

  protected async startService(): Promise<void> {
    if (this.providers.length > 0) throw new Error('A service process runs the real providers: stand-ins are for useTestApp');
    this.process = await startServiceProcess(this.env);
  }

  protected async stopService(): Promise<void> {
    await this.process?.stop();
  }
}

/** The production AppModule and app setup, served in-process, for the enclosing describe block. */
export function useTestApp(overrides: Record<string, string> = {}, options: SessionOptions = {}): TestSession {
  return new TestSession(overrides, options).register();
}

/** The built service (`node dist/main.js`) as a process of its own, for the enclosing describe block. */
export function useServiceProcess(overrides: Record<string, string> = {}, options: SessionOptions = {}): ServiceSession {
  return new ServiceSession(overrides, options).register();
}

export interface OrgWithToken {
  org: Record<string, any>;
  token: string;
  input: ReturnType<typeof uniqueOrg>;
}

/** Creates an organization and logs its admin in. */
export async function createOrgWithToken(session: Pick<Session, 'http'>, input = uniqueOrg()): Promise<OrgWithToken> {
  const created = await session.http().post('/org/create').send(input).expect(201);
  const login = await session.http().post('/admin/login').send({ email: input.email, password: input.password }).expect(200);
  return { org: created.body, token: login.body.access_token, input };
}

/** An organization and its admin's token, created once for the enclosing describe block. */
export function useOrgWithToken(session: Pick<Session, 'http'>): OrgWithToken {
  let created: OrgWithToken | undefined;
  beforeAll(async () => {
    created = await createOrgWithToken(session);
  });
  return {
    get org() {
      return started(created, 'organization').org;
    },
    get token() {
      return started(created, 'organization').token;
    },
    get input() {
      return started(created, 'organization').input;
    },
  };
}

/** createOrgWithToken through a fetch client, for suites that start and restart the process themselves. */
export async function createOrgWithTokenVia(api: FetchClient, input = uniqueOrg()): Promise<OrgWithToken> {
  const created = await api.request('POST', '/org/create', { body: input });
  expect(created.status).toBe(201);
  const login = await api.request('POST', '/admin/login', { body: { email: input.email, password: input.password } });
  expect(login.status).toBe(200);
  return { org: created.body, token: login.body.access_token, input };
}

function databaseNamesOf(config: AppConfig): Record<string, string> {
  return { MASTER_DB_NAME: config.mongo.masterDbName, TENANT_DB_NAME: config.mongo.tenantDbName };
}

function started<T>(part: T | undefined, name: string): T {
  if (part === undefined) throw new Error(`The session's ${name} exists once its beforeAll has run: use it inside tests and hooks`);
  return part;
}
