import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import type { Principal } from '../common/access/authenticated-member.js';
import { AppConfig } from '../config/app-config.js';
import { bearerTokenOf, verificationRules } from '../tokens/access-token-verifier.js';
import { authenticatorsOf } from './request-authenticators.js';

/** What the strategy reads of a request: passport-jwt is typed for Express, the app runs on Fastify. */
type TokenRequest = Pick<FastifyRequest, 'headers'>;

/**
 * The `jwt` Passport strategy: exactly `Bearer <token>`, HS256 only, signed by the key its `kid`
 * names, this service's issuer and audience, `exp` present and not passed, the claims the service
 * issues; then the account and membership as stored now (AuthenticationService; the services
 * are those of the application the request reached, see request-authenticators.ts). Every token
 * problem is a plain fail (JwtAuthGuard answers it with the one 401); a lookup that throws (the
 * database is down) is an error, passed on as it is.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    const rules = verificationRules(config);
    super({
      jwtFromRequest: (request: TokenRequest) => bearerTokenOf(request.headers.authorization),
      // A KeyObject (see AppConfig.jwt.key): jsonwebtoken takes it, passport-jwt's types predate it.
      secretOrKeyProvider: (request: TokenRequest, token: string, done: (error: Error | null, key?: Buffer) => void) => {
        const key = authenticatorsOf(request).tokens.keyFor(token);
        if (key) done(null, key as unknown as Buffer);
        else done(new Error('Unknown signing key'));
      },
      // passport-jwt writes these three over jsonWebTokenOptions' (even when undefined), so they go here too.
      algorithms: rules.algorithms,
      issuer: rules.issuer,
      audience: rules.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: rules,
      passReqToCallback: true,
    });
  }

  // passport-jwt's verify step (Strategy.JwtVerifier) is shared module-wide, so the memory is checked here: a hit skips the signature (BENCHMARKS.md, record read).
  override authenticate(request: TokenRequest, options?: unknown): void {
    const { tokens, authentication } = authenticatorsOf(request);
    const token = bearerTokenOf(request.headers.authorization);
    const remembered = token === null ? undefined : tokens.remembered(token);
    if (remembered === undefined) {
      super.authenticate(request as Parameters<Strategy['authenticate']>[0], options);
    } else if (remembered === null) {
      this.fail(401);
    } else {
      authentication.authenticate(remembered).then(
        (principal) => (principal ? this.success(principal) : this.fail(401)),
        (error: Error) => this.error(error),
      );
    }
  }

  /** passport-jwt's verify callback, after its signature check: the payload's claims, remembered, then what is stored now. */
  async validate(request: TokenRequest, payload: unknown): Promise<Principal | null> {
    const { tokens, authentication } = authenticatorsOf(request);
    const token = bearerTokenOf(request.headers.authorization);
    const claims = token === null ? null : tokens.admit(token, payload);
    return claims === null ? null : authentication.authenticate(claims);
  }
}
