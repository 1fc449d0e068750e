import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import { AuthService } from './auth.service.js';
import { AuthenticatedAdmin } from './authenticated-admin.js';

/** Verifies HS256 bearer tokens (algorithm pinned; iss, aud and exp required), then the credential version. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.secret,
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { complete: false, clockTolerance: 0 },
    });
  }

  async validate(payload: unknown): Promise<AuthenticatedAdmin | false> {
    return (await this.auth.authenticate(payload)) ?? false;
  }
}
