import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import pretty from 'pino-pretty';
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

/** Human-readable lines, one per entry, formatted in this thread and written synchronously. */
function prettyStream(): NodeJS.WritableStream {
  return pretty({
    sync: true,
    singleLine: true,
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}{context}: {end}{msg}',
  });
}

/**
 * Structured logs (pino) for everything the application logs through Nest's Logger, plus one
 * line per request from RequestLogger: JSON lines, or human-readable ones with LOG_FORMAT=pretty.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const options = {
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
          timestamp: stdTimeFunctions.isoTime,
        };
        return {
          // No routes: requests are logged by RequestLogger's Fastify hook, not by this middleware.
          forRoutes: [],
          // No transport worker for pretty lines: written synchronously, the last lines before
          // an exit are not lost.
          pinoHttp: config.logFormat === 'pretty' ? [options, prettyStream()] : options,
        };
      },
    }),
  ],
  providers: [RequestLogger],
})
export class LoggingModule {}
