import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import mongoose from 'mongoose';
import { AppConfig } from '../../config/app-config.js';
import { connectionOptions } from './connection-options.js';

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
        ...connectionOptions(config),
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
