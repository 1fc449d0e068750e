import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error.js';

/** One message for an unknown email and a wrong password, so neither can be told apart. */
export class InvalidCredentialsError extends DomainError {
  readonly status = HttpStatus.UNAUTHORIZED;
  constructor() {
    super('Invalid email or password');
  }
}

/** Every token problem (bad signature, expired, revoked, malformed) gets this same answer. */
export class InvalidTokenError extends DomainError {
  readonly status = HttpStatus.UNAUTHORIZED;
  constructor() {
    super('Invalid or expired token');
  }
}

export class WeakPasswordError extends DomainError {
  readonly status = HttpStatus.BAD_REQUEST;
}

export class AdminEmailTakenError extends DomainError {
  readonly status = HttpStatus.CONFLICT;
  constructor() {
    super('An admin with this email already exists');
  }
}
