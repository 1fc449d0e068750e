import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import mongoose from 'mongoose';
import { DatabaseUnavailableError, DomainError } from '../errors/domain.error.js';
import { errorBody } from './error-body.js';

const UNAVAILABLE_MONGO_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** True when the error means "the database cannot be reached", not "the query was wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_MONGO_ERRORS.has(error.name)) return true;
  // Subclasses have names of their own (e.g. PoolClearedOnNetworkError when a heartbeat fails).
  if (error instanceof mongoose.mongo.MongoNetworkError) return true;
  return error instanceof mongoose.mongo.MongoError && (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool'));
}

interface Mapped {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

/**
 * Maps every error to `{statusCode, error, message, requestId}`: domain errors by their declared
 * status, Nest HTTP exceptions as they are, Fastify's own 4xx (body too large, bad JSON) by
 * their status, a lost database to 503, and anything else to a 500 without details.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const mapped = this.map(exception);
    if (mapped.status >= 500 && mapped.status !== HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.error({ err: exception, requestId: request.id }, 'Unhandled error');
    }
    if (mapped.retryAfterSeconds !== undefined) reply.header('Retry-After', String(mapped.retryAfterSeconds));
    reply.status(mapped.status).send(errorBody(mapped.status, mapped.message, String(request.id)));
  }

  private map(exception: unknown): Mapped {
    if (exception instanceof DomainError) {
      return { status: exception.status, message: exception.message, retryAfterSeconds: exception.retryAfterSeconds };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), message: httpExceptionMessage(exception) };
    }
    if (isDatabaseUnavailable(exception)) {
      const unavailable = new DatabaseUnavailableError();
      return { status: unavailable.status, message: unavailable.message, retryAfterSeconds: unavailable.retryAfterSeconds };
    }
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { status, message: (exception as Error).message };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
  }
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
