import type { ChildProcess } from 'node:child_process';

export declare const FERRETDB_VERSION: string;
export declare function cacheDir(): string;
export declare function binaryPath(): string;
export declare function ensureBinary(): string;
export declare function freePort(): Promise<number>;

export type LocalDbBackend = 'postgresql' | 'sqlite';

export interface RunningFerretDb {
  pid: number;
  port: number;
  dataDir: string;
  uri: string;
  /** FerretDB's Prometheus metrics, when started with `debugPort`. */
  metricsUrl?: string;
  backend: LocalDbBackend;
  /** The private PostgreSQL server under FerretDB, on the PostgreSQL backend. */
  postgres?: { pid: number; port: number; url: string; source: string; version: string; bin: string; user?: string };
  child: ChildProcess;
  /** FerretDB's PID and, on PostgreSQL, those of the server's processes now. */
  pids(): number[];
  stop(): Promise<void>;
}

export declare function describeBackend(server: RunningFerretDb): string;

export declare function startFerretDb(options?: {
  port?: number;
  dataDir?: string;
  /** Default LOCAL_DB_BACKEND; unset: PostgreSQL where it can run, else SQLite. */
  backend?: LocalDbBackend;
  /** Default: true when `dataDir` is given (PostgreSQL keeps fsync on). */
  durable?: boolean;
  /** Serve FerretDB's debug handler (metrics) on this 127.0.0.1 port; default: off. */
  debugPort?: number;
}): Promise<RunningFerretDb>;
