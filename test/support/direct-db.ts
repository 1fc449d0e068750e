import mongoose from 'mongoose';
import type { Connection, mongo } from 'mongoose';
import { AppConfig } from '../../src/config/app-config.js';

export interface DirectDatabases {
  master: Connection;
  tenant: Connection;
  /** Names of the tenant database's collections, sorted. */
  tenantCollections: () => Promise<string[]>;
  /** The documents' collection of a placement (as the org view shows it), on its cluster. */
  collectionAt: (placement: { cluster: string; database: string; collection: string }) => mongo.Collection;
  /** Names of a cluster's databases, sorted. */
  databasesOf: (cluster: string) => Promise<string[]>;
  /** Names of a cluster's database's collections, sorted. */
  collectionsOf: (cluster: string, database: string) => Promise<string[]>;
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
  const clients = new Map<string, mongo.MongoClient>();
  const clientOf = (cluster: string): mongo.MongoClient => {
    const setting = config.tenancy.clusters.find(({ name }) => name === cluster);
    if (!setting) throw new Error(`No cluster ${cluster} in the test's TENANT_CLUSTERS`);
    if (setting.uri === config.mongo.uri) return connection.getClient();
    let client = clients.get(cluster);
    if (!client) {
      client = new mongoose.mongo.MongoClient(setting.uri);
      clients.set(cluster, client);
    }
    return client;
  };
  const collectionsOf = async (cluster: string, database: string) => {
    const collections = await clientOf(cluster).db(database).listCollections({}, { nameOnly: true }).toArray();
    return collections.map(({ name }) => name).sort();
  };
  return {
    master,
    tenant,
    tenantCollections: () => collectionsOf('default', config.mongo.tenantDbName),
    collectionAt: ({ cluster, database, collection }) => clientOf(cluster).db(database).collection(collection),
    databasesOf: async (cluster) => {
      const { databases } = await clientOf(cluster).db('admin').admin().listDatabases({ nameOnly: true });
      return databases.map(({ name }) => name).sort();
    },
    collectionsOf,
    close: async () => {
      for (const client of clients.values()) await client.close();
      await connection.close();
    },
  };
}
