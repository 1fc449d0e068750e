import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import mongoose, { type Connection } from 'mongoose';
import { connectionOptions } from '../../common/database/connection-options.js';
import { isDatabaseUnavailable } from '../../common/database/mongo-errors.js';
import { AppConfig } from '../../config/app-config.js';
import { ClusterUnavailableError, UnknownClusterError } from '../tenants.errors.js';

/** After a failed first connection, how long requests are refused at once before the next attempt. */
const REOPEN_AFTER_MS = 1000;
/**
 * Socket timeout of the connections that stream long reads (an export's cursor in `_id` order):
 * FerretDB v1 sorts an organization's records in memory before the first batch, which took over
 * 10 s (the socket timeout of every other query) at 1M records.
 */
const STREAMING_SOCKET_TIMEOUT_MS = 10 * 60_000;
/** Long reads a cluster serves at once; each holds a connection while its client reads. */
const STREAMING_POOL_SIZE = 4;

interface ClusterState {
  name: string;
  uri: string;
  /** The open connection; for the cluster on MONGODB_URI, the master connection's client. */
  connection?: Connection;
  opening?: Promise<Connection>;
  /** A small pool of its own for long reads (see STREAMING_SOCKET_TIMEOUT_MS), opened on first use. */
  streaming?: Promise<Connection>;
  lastFailureAt?: number;
  requests: number;
  errors: number;
}

export interface ClusterCounts {
  name: string;
  requests: number;
  errors: number;
}

/**
 * The tenant clusters of TENANT_CLUSTERS, each reached through one pooled connection opened on
 * first use, so a cluster that is down at start-up costs nothing until an organization on it is
 * asked for. The cluster on MONGODB_URI shares the master connection's pool.
 */
@Injectable()
export class TenantClusters implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantClusters.name);
  private readonly clusters = new Map<string, ClusterState>();

  constructor(
    @InjectConnection() private readonly master: Connection,
    private readonly config: AppConfig,
  ) {
    for (const { name, uri } of config.tenancy.clusters) {
      const state: ClusterState = { name, uri, requests: 0, errors: 0 };
      if (uri === config.mongo.uri) state.connection = master;
      this.clusters.set(name, state);
    }
  }

  names(): string[] {
    return [...this.clusters.keys()];
  }

  has(name: string): boolean {
    return this.clusters.has(name);
  }

  /** Database `db` of the cluster, once its connection is open; 503 while it cannot be opened. */
  async database(cluster: string, db: string): Promise<Connection> {
    const state = this.state(cluster);
    const connection = state.connection ?? (await this.open(state));
    return connection.useDb(db, { useCache: true });
  }

  /** Database `db` of the cluster through the connection for long reads, whose socket waits minutes rather than seconds. */
  async streamingDatabase(cluster: string, db: string): Promise<Connection> {
    const state = this.state(cluster);
    state.streaming ??= mongoose
      .createConnection(state.uri, {
        ...connectionOptions(this.config),
        socketTimeoutMS: STREAMING_SOCKET_TIMEOUT_MS,
        maxPoolSize: STREAMING_POOL_SIZE,
      })
      .asPromise()
      .catch((error: unknown) => {
        state.streaming = undefined;
        this.logger.warn(`Tenant cluster ${state.name} could not be reached for a long read: ${(error as Error).name}`);
        throw new ClusterUnavailableError();
      });
    return (await state.streaming).useDb(db, { useCache: true });
  }

  /** Runs one operation against the cluster: counted, and "unreachable" becomes 503 for this cluster only. */
  async run<T>(cluster: string, operation: () => Promise<T>): Promise<T> {
    const state = this.state(cluster);
    state.requests += 1;
    try {
      return await operation();
    } catch (error) {
      state.errors += 1;
      if (isDatabaseUnavailable(error)) throw new ClusterUnavailableError();
      throw error;
    }
  }

  /** Whether the cluster answers a ping within the timeout. */
  async reachable(cluster: string, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ping = (async () => {
      const connection = await this.database(cluster, 'admin');
      await connection.db!.command({ ping: 1 });
      return true;
    })().catch(() => false);
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  counts(): ClusterCounts[] {
    return [...this.clusters.values()].map(({ name, requests, errors }) => ({ name, requests, errors }));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const state of this.clusters.values()) {
      if (state.connection && state.connection !== this.master) await state.connection.close().catch(() => undefined);
      const streaming = await state.streaming?.catch(() => undefined);
      await streaming?.close().catch(() => undefined);
    }
  }

  private state(cluster: string): ClusterState {
    const state = this.clusters.get(cluster);
    if (!state) throw new UnknownClusterError(`Cluster ${cluster} is not configured (TENANT_CLUSTERS)`);
    return state;
  }

  /**
   * Opens the cluster's connection; concurrent callers share one attempt. Mongoose does not retry
   * a first connection that failed, so the next request after REOPEN_AFTER_MS starts a new one;
   * until then requests are refused at once rather than each waiting out a server selection.
   */
  private open(state: ClusterState): Promise<Connection> {
    if (state.opening) return state.opening;
    if (state.lastFailureAt !== undefined && Date.now() - state.lastFailureAt < REOPEN_AFTER_MS) {
      return Promise.reject(new ClusterUnavailableError());
    }
    const connection = mongoose.createConnection(state.uri, connectionOptions(this.config));
    state.opening = connection.asPromise().then(
      (opened) => {
        state.connection = opened;
        state.opening = undefined;
        return opened;
      },
      async (error: unknown) => {
        state.opening = undefined;
        state.lastFailureAt = Date.now();
        this.logger.warn(`Tenant cluster ${state.name} could not be reached: ${(error as Error).name}`);
        await connection.close().catch(() => undefined);
        throw new ClusterUnavailableError();
      },
    );
    return state.opening;
  }
}
