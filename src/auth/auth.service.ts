import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { type ObjectId, toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { AppConfig } from '../config/app-config.js';
import { MemberAccountsService } from '../members/member-accounts.service.js';
import type { MemberRecord } from '../members/persistence/member.schema.js';
import { InvalidCredentialsError } from './auth.errors.js';
import { AuthenticatedMember } from './authenticated-member.js';
import { LoginResponseDto } from './dto/login-response.dto.js';
import { LoginThrottleService } from './login-throttle/login-throttle.service.js';
import { PasswordHasher } from './password-hasher.service.js';
import type { TokenClaims, VerifiedClaims } from './token-claims.js';
import { TokenRevocations } from './token-revocations.service.js';

export type IssuedToken = Pick<LoginResponseDto, 'access_token' | 'token_type' | 'expires_in'>;

@Injectable()
export class AuthService {
  constructor(
    private readonly members: MemberAccountsService,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditLogService,
    private readonly revocations: TokenRevocations,
  ) {}

  /**
   * Same status, body and cost whether the email is unknown or the password is wrong. Throttled
   * per client address and per email before anything is looked up or hashed; only failures count.
   * A login of an existing account is audited, failed or not.
   */
  async login(email: string, password: string, origin: RequestOrigin & { ip: string }): Promise<LoginResponseDto> {
    const attempt = await this.throttle.beginAttempt(origin.ip, email);
    const { member, valid } = await this.throttle.settle(
      attempt,
      () => this.checkCredentials(email, password),
      (outcome) => outcome.valid,
    );
    if (member) {
      const who = { id: member._id.toHexString(), email: member.email };
      await this.audit.record({
        orgId: member.org_id,
        action: valid ? AuditAction.LoginSucceeded : AuditAction.LoginFailed,
        actor: valid ? who : null,
        target: { type: 'member', ...who },
        origin,
      });
    }
    if (!member || !valid) throw new InvalidCredentialsError();
    const token = await this.issueToken(member);
    return { ...token, admin_id: member._id.toHexString(), org_id: member.org_id.toHexString(), role: member.role };
  }

  /** The member with this email and whether the password is theirs; an unknown email costs a hash all the same. */
  private async checkCredentials(email: string, password: string): Promise<{ member: MemberRecord | null; valid: boolean }> {
    const member = await this.members.findByEmail(email);
    const valid = member ? await this.hasher.verify(member.password_hash, password) : await this.hasher.verifyDummy(password);
    return { member, valid };
  }

  async issueToken(member: { _id: ObjectId; org_id: ObjectId; credential_version: number }): Promise<IssuedToken> {
    const claims: TokenClaims = {
      sub: member._id.toHexString(),
      org_id: member.org_id.toHexString(),
      cv: member.credential_version,
      jti: randomUUID(),
    };
    return { access_token: await this.jwt.signAsync(claims), token_type: 'bearer', expires_in: this.config.jwt.expiresInSeconds };
  }

  /**
   * Checks a verified token's claims against the member as stored now: the member must still
   * exist, belong to the token's organization and have the token's credential version, and the
   * token must not have been logged out. The role comes from the stored member, never the token.
   */
  async authenticate(claims: VerifiedClaims): Promise<AuthenticatedMember | null> {
    const [state, revoked] = await Promise.all([this.members.credentialState(claims.sub), this.revocations.isRevoked(claims.jti)]);
    if (!state || revoked || state.credential_version !== claims.cv || state.org_id.toHexString() !== claims.org_id) return null;
    return {
      memberId: claims.sub,
      orgId: claims.org_id,
      email: state.email,
      role: state.role,
      credentialVersion: claims.cv,
      token: { id: claims.jti, expiresAt: new Date(claims.exp * 1000) },
    };
  }

  /** Ends the presented token only: its id is refused until it would have expired anyway. */
  logout(caller: AuthenticatedMember): Promise<void> {
    return this.revocations.revoke(caller.token.id, caller.token.expiresAt);
  }

  /** Ends every session of the caller: its credential version moves on, so all its tokens fail. */
  async logoutEverywhere(caller: AuthenticatedMember): Promise<void> {
    await this.members.applyChanges({ member_id: toObjectId(caller.memberId), credential_version: caller.credentialVersion + 1 });
  }
}
