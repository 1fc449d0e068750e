import type { ConnectOptions } from 'mongoose';
import type { AppConfig } from '../../config/app-config.js';

/** How every connection of the service (master and tenant clusters) talks to its deployment. */
export function connectionOptions(config: AppConfig): ConnectOptions {
  return {
    serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs,
    connectTimeoutMS: config.mongo.serverSelectionTimeoutMs,
    // A hung server (connections accepted, never answered) is noticed by the heartbeat, whose
    // failure also interrupts the requests waiting on it: checked often, a request gets 503
    // within about the server selection timeout instead of waiting for the driver's default
    // interval. The socket timeout is only the backstop for one hung connection; a short one
    // would also cut off slow but healthy operations (a rename's copy under load).
    socketTimeoutMS: config.mongo.socketTimeoutMs,
    heartbeatFrequencyMS: 1000,
    // Fail fast with 503 while the database is away instead of queueing requests in memory.
    bufferCommands: false,
    appName: 'organization-management-service',
  };
}
