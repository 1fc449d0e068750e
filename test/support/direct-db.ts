import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../../src/config/app-config.js';

export interface DirectDatabases {
  master: Connection;
  tenant: Connection;
  /** Names of the tenant database's collections, sorted. */
  tenantCollections: () => Promise<string[]>;
  close: () => Promise<void>;
}

/**
 * A connection of the test's own to a test instance's master and tenant databases, for checking
 * what the service really stored (the service's models are not used).
 */
export async function openDatabases(config: AppConfig): Promise<DirectDatabases> {
  const connection = await mongoose.createConnection(config.mongo.uri).asPromise();
  const master = connection.useDb(config.mongo.masterDbName);
  const tenant = connection.useDb(config.mongo.tenantDbName);
  return {
    master,
    tenant,
    tenantCollections: async () => {
      const collections = await tenant.db!.listCollections({}, { nameOnly: true }).toArray();
      return collections.map(({ name }) => name).sort();
    },
    close: () => connection.close(),
  };
}
