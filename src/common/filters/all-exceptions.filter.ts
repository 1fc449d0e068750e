import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { isDatabaseUnavailable } from '../database/mongo-errors.js';
import { DatabaseUnavailableError, DomainError, ErrorCode } from '../errors/domain.error.js';
import { logFailedRequest } from '../logging/request-logger.js';
import { errorBody } from './error-body.js';

/** The one place where a domain rule becomes an HTTP status. */
const HTTP_STATUS_OF: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.InvalidInput]: HttpStatus.BAD_REQUEST,
  [ErrorCode.InvalidCredentials]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.InvalidToken]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.MissingToken]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.NotYourOrganization]: HttpStatus.FORBIDDEN,
  [ErrorCode.InsufficientRole]: HttpStatus.FORBIDDEN,
  [ErrorCode.ChooseOrganization]: HttpStatus.FORBIDDEN,
  [ErrorCode.OrganizationSuspended]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotAMember]: HttpStatus.FORBIDDEN,
  [ErrorCode.PersonOnly]: HttpStatus.FORBIDDEN,
  [ErrorCode.MemberNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.InvitationNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.ApiKeyNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.ApiKeyRole]: HttpStatus.FORBIDDEN,
  [ErrorCode.InvitationPending]: HttpStatus.CONFLICT,
  [ErrorCode.LastOwner]: HttpStatus.CONFLICT,
  [ErrorCode.OrganizationNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.RecordNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.OrganizationNameTaken]: HttpStatus.CONFLICT,
  [ErrorCode.EmailTaken]: HttpStatus.CONFLICT,
  [ErrorCode.OrganizationBusy]: HttpStatus.CONFLICT,
  [ErrorCode.OrganizationMigrating]: HttpStatus.CONFLICT,
  [ErrorCode.RecordTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.TooManyAttempts]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.HashingBusy]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.DatabaseUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.ClusterUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.UnknownCluster]: HttpStatus.BAD_REQUEST,
  [ErrorCode.MoveNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.WebhookNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.WebhookDeliveryNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.QuotaExceeded]: HttpStatus.FORBIDDEN,
  [ErrorCode.DuplicateRecord]: HttpStatus.CONFLICT,
  [ErrorCode.IndexLimit]: HttpStatus.CONFLICT,
  [ErrorCode.IndexExists]: HttpStatus.CONFLICT,
  [ErrorCode.IndexNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.IndexNeedsPlacement]: HttpStatus.CONFLICT,
  [ErrorCode.TenantRateLimited]: HttpStatus.TOO_MANY_REQUESTS,
};

export function httpStatusOf(code: ErrorCode): HttpStatus {
  return HTTP_STATUS_OF[code];
}

interface Mapped {
  status: number;
  message: string;
  retryAfterSeconds?: number;
  /** The error is a missing or rejected bearer token (RFC 6750 wants a challenge). */
  tokenProblem?: boolean;
}

/**
 * Maps every error to `{statusCode, error, message, requestId}`: domain errors by their code,
 * Nest HTTP exceptions (validation) as they are, Fastify's own 4xx (body too large, bad JSON) by
 * their status, a lost database to 503, and anything else to a 500 without details.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: PinoLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const mapped = this.map(exception);
    if (mapped.status >= 500 && mapped.status !== Number(HttpStatus.SERVICE_UNAVAILABLE)) {
      logFailedRequest(this.logger, request, reply, mapped.status, exception);
    }
    if (mapped.retryAfterSeconds !== undefined) reply.header('Retry-After', String(mapped.retryAfterSeconds));
    if (mapped.tokenProblem) reply.header('WWW-Authenticate', bearerChallenge(request.headers.authorization));
    reply.status(mapped.status).send(errorBody(mapped.status, mapped.message, String(request.id)));
  }

  private map(exception: unknown): Mapped {
    if (isDatabaseUnavailable(exception)) return fromDomainError(new DatabaseUnavailableError());
    if (exception instanceof DomainError) return fromDomainError(exception);
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), message: httpExceptionMessage(exception) };
    }
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { status, message: (exception as Error).message };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
  }
}

function fromDomainError(error: DomainError): Mapped {
  return {
    status: httpStatusOf(error.code),
    message: error.message,
    retryAfterSeconds: error.retryAfterSeconds,
    tokenProblem: error.code === ErrorCode.InvalidToken || error.code === ErrorCode.MissingToken,
  };
}

/** RFC 6750: a request that presented no bearer token gets the bare challenge, one that did gets invalid_token. */
function bearerChallenge(authorization: string | undefined): string {
  return /^bearer\s/i.test(authorization ?? '') ? 'Bearer error="invalid_token"' : 'Bearer';
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** A domain error as one item of a multi-item answer (a batch's per-record results): its status and message. */
export function itemError(error: DomainError): { statusCode: number; message: string } {
  return { statusCode: httpStatusOf(error.code), message: error.message };
}
