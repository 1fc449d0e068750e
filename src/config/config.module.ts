import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';

/** Provides the validated AppConfig; the only place the process environment is read. */
@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => AppConfig.fromEnvironment(process.env) }],
  exports: [AppConfig],
})
export class AppConfigModule {}
