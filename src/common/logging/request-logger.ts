import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

/**
 * Level of a request's line: server errors are errors; everything else, client errors included, is
 * routine (a 4xx is the service doing its job, and an attack's thousands of them must not flood
 * the warnings).
 */
export function requestLogLevel(statusCode: number): 'error' | 'info' {
  return statusCode >= 500 ? 'error' : 'info';
}

/** Requests whose line was written before the answer went out (see logFailedRequest). */
const alreadyLogged = new WeakSet<FastifyRequest>();

/** What a request's line says about it: never headers or bodies. */
function requestFields(request: FastifyRequest, reply: FastifyReply, statusCode: number): object {
  return {
    req: { id: request.id, method: request.method, url: request.url },
    statusCode,
    responseTime: Math.round(reply.elapsedTime),
  };
}

/**
 * A request that failed unexpectedly: its one line, at error with the error, written at once by the
 * exception filter (so it is not lost if the answer never completes); RequestLogger skips it later.
 */
export function logFailedRequest(
  logger: PinoLogger,
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  error: unknown,
): void {
  alreadyLogged.add(request);
  logger.error({ ...requestFields(request, reply, statusCode), err: error }, 'request failed');
}

/**
 * Performance choice, measured in BENCHMARKS.md "What changed for these figures"; keep it over nestjs-pino's middleware.
 * One JSON line per answered request, written from Fastify's onResponse hook through the
 * application's pino logger, and no work at all when the level filters it out. It replaces
 * nestjs-pino's per-request middleware, whose AsyncLocalStorage context made every promise of a
 * request slower. Log lines written inside a request therefore carry no request id of their own.
 */
@Injectable()
export class RequestLogger implements OnModuleInit {
  constructor(
    private readonly logger: PinoLogger,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const level = requestLogLevel(reply.statusCode);
      if (this.logger.logger.isLevelEnabled(level) && !alreadyLogged.has(request)) {
        this.logger[level](requestFields(request, reply, reply.statusCode), 'request completed');
      }
      done();
    });
  }
}
