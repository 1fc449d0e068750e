import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HashingBusyError } from '../accounts/accounts.errors.js';
import { HASHES_PASSWORD, type HashingRequests } from '../common/access/hashes-password.decorator.js';
import { PasswordHasher } from '../accounts/password-hasher.service.js';

/**
 * Sheds load early: a request the hasher would refuse anyway gets its 503 before the validation
 * pipe, the handler and their database reads run, so that a flood of creates or logins from many
 * addresses costs as little as possible beyond its refusal. Runs after the authentication guard.
 */
@Injectable()
export class HashingCapacityGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly hasher: PasswordHasher,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const requests = this.reflector.get<HashingRequests | undefined>(HASHES_PASSWORD, context.getHandler());
    if (requests === undefined || !this.hasher.isSaturated()) return true;
    if ('whenBodyHas' in requests) {
      const body = context.switchToHttp().getRequest<{ body?: unknown }>().body;
      if (typeof body !== 'object' || body === null || !(requests.whenBodyHas in body)) return true;
    }
    throw new HashingBusyError();
  }
}
