import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config.js';
import { RequestLogger } from './request-logger.js';

/** Anything that could carry a secret is censored wherever it appears in a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.password_hash',
  '*.access_token',
  '*.secret',
  'err.config',
];

/**
 * Structured JSON logs (pino) for everything the application logs through Nest's Logger, plus one
 * line per request from RequestLogger.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // No routes: requests are logged by RequestLogger's Fastify hook, not by this middleware.
        forRoutes: [],
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
        },
      }),
    }),
  ],
  providers: [RequestLogger],
})
export class LoggingModule {}
