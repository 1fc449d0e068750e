import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { ObjectId } from '../common/database/object-id.js';
import { AppConfig } from '../config/app-config.js';
import { AdminAccountsService } from './admin-accounts.service.js';
import { InvalidCredentialsError } from './auth.errors.js';
import { AuthenticatedAdmin } from './authenticated-admin.js';
import { LoginResponseDto } from './dto/login-response.dto.js';
import { LoginThrottleService } from './login-throttle/login-throttle.service.js';
import { PasswordHasher } from './password-hasher.service.js';
import { parseTokenClaims, TokenClaims } from './token-claims.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly admins: AdminAccountsService,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly throttle: LoginThrottleService,
  ) {}

  /**
   * Same status, body and cost whether the email is unknown or the password is wrong. Throttled
   * per client address and per email before anything is looked up or hashed.
   */
  async login(email: string, password: string, clientAddress: string): Promise<LoginResponseDto> {
    await this.throttle.beginAttempt(clientAddress, email);
    const admin = await this.admins.findByEmail(email);
    const valid = admin ? await this.hasher.verify(admin.password_hash, password) : await this.hasher.verifyDummy(password);
    if (!admin || !valid) throw new InvalidCredentialsError();
    await this.throttle.recordSuccess(email);
    return this.issueToken({ _id: admin._id, org_id: admin.org_id, credential_version: admin.credential_version });
  }

  async issueToken(admin: { _id: ObjectId; org_id: ObjectId; credential_version: number }): Promise<LoginResponseDto> {
    const claims: TokenClaims = { sub: admin._id.toHexString(), org_id: admin.org_id.toHexString(), cv: admin.credential_version };
    return {
      access_token: await this.jwt.signAsync(claims),
      token_type: 'bearer',
      expires_in: this.config.jwt.expiresInSeconds,
      admin_id: claims.sub,
      org_id: claims.org_id,
    };
  }

  /**
   * Checks a signature-verified payload against the admin as stored now: the admin must still
   * exist, belong to the token's organization and have the token's credential version.
   */
  async authenticate(payload: unknown): Promise<AuthenticatedAdmin | null> {
    const claims = parseTokenClaims(payload);
    if (!claims) return null;
    const state = await this.admins.credentialState(claims.sub);
    if (!state || state.credential_version !== claims.cv || state.org_id.toHexString() !== claims.org_id) return null;
    return { adminId: claims.sub, orgId: claims.org_id, credentialVersion: claims.cv };
  }
}
