import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../filters/error-response.dto.js';

export const HASHES_PASSWORD = 'hashesPassword';

/** Which requests of a route hash a password: all of them, or those whose JSON body has this field. */
export type HashingRequests = { always: true } | { whenBodyHas: string };

/**
 * The route hashes a password (always, or only when its body has `whenBodyHas`). While every
 * hashing slot and queue place of the process is taken, HashingCapacityGuard refuses such requests
 * with 503 before their body is validated or anything is looked up. Documents that 503.
 */
export function HashesPassword(options: { whenBodyHas?: string } = {}): MethodDecorator {
  const requests: HashingRequests = options.whenBodyHas === undefined ? { always: true } : { whenBodyHas: options.whenBodyHas };
  return applyDecorators(
    SetMetadata(HASHES_PASSWORD, requests),
    ApiServiceUnavailableResponse({ description: 'Every password-hashing slot is busy: retry after Retry-After', type: ErrorResponseDto }),
  );
}
