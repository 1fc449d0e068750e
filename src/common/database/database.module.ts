import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import mongoose from 'mongoose';
import { AppConfig } from '../../config/app-config.js';

// Filters never treat user input as operators, and unknown filter keys are an error, not ignored.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

/**
 * One MongoDB client for the service. Its default connection is the master database; the tenant
 * database is opened from the same client by the TenantModule.
 */
@Global()
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        uri: config.mongo.uri,
        dbName: config.mongo.masterDbName,
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
        retryAttempts: 3,
        retryDelay: 1000,
        appName: 'organization-management-service',
      }),
    }),
  ],
})
export class DatabaseModule {}
