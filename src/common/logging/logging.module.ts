import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../../config/app-config.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';

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

/** Structured JSON logs (pino), one line per request, tagged with the request id. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Every path, unknown ones included (the library's default pattern matches none on Fastify here).
        forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
          genReqId: (request: IncomingMessage) => String(request.headers[REQUEST_ID_HEADER]),
          // Method, path and id only: headers and bodies stay out of the logs.
          serializers: {
            req: (request: IncomingMessage & { id?: string }) => ({ id: request.id, method: request.method, url: request.url }),
            res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
          },
          customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
            error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
