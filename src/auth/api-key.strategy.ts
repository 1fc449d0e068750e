import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as PassportStrategyBase } from 'passport-strategy';
import { apiKeyOf } from '../api-keys/api-key-format.js';
import type { Principal } from '../common/access/authenticated-member.js';
import { authenticatorsOf } from './request-authenticators.js';

type KeyRequest = Pick<FastifyRequest, 'headers'>;
type Verify = (request: KeyRequest, done: (error: unknown, principal?: Principal | null) => void) => void;

/** A Passport strategy that hands the request to its verify callback: `Bearer oms_…` is read there. */
class BearerKeyStrategy extends PassportStrategyBase {
  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: KeyRequest): void {
    this.verify(request, (error, principal) => {
      if (error) this.error(error as Error);
      else if (principal) this.success(principal);
      else this.fail(401);
    });
  }
}

/**
 * The `api-key` Passport strategy, beside `jwt`: `Authorization: Bearer oms_…` is an
 * organization's API key, checked by ApiKeysService (SHA-256, one cached read). Anything else is a
 * plain fail, so the guard's other strategy decides.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(BearerKeyStrategy, 'api-key') {
  async validate(request: KeyRequest): Promise<Principal | null> {
    const key = apiKeyOf(request.headers.authorization);
    return key === null ? null : authenticatorsOf(request).apiKeys.authenticate(key);
  }
}
