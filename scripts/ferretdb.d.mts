import type { ChildProcess } from 'node:child_process';

export declare const FERRETDB_VERSION: string;
export declare function cacheDir(): string;
export declare function binaryPath(): string;
export declare function ensureBinary(): string;
export declare function freePort(): Promise<number>;

export interface RunningFerretDb {
  pid: number;
  port: number;
  dataDir: string;
  uri: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export declare function startFerretDb(options?: { port?: number; dataDir?: string }): Promise<RunningFerretDb>;
