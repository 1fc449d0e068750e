import { Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service.js';
import type { Principal } from '../common/access/authenticated-member.js';
import { toObjectId } from '../common/database/object-id.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import type { VerifiedClaims } from '../tokens/token-claims.js';
import { TokenRevocations } from '../tokens/token-revocations.service.js';

/** Who a verified token speaks for, as stored now; and ending tokens. */
@Injectable()
export class AuthenticationService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
    private readonly revocations: TokenRevocations,
  ) {}

  /**
   * Checks a verified token's claims against what is stored now: the account must exist with the
   * token's credential version, the token must not have been logged out, and a token of an
   * organization needs the account's membership there, whose role it takes (never the token's).
   * The three reads go out together and each is cached within the staleness bound.
   */
  async authenticate(claims: VerifiedClaims): Promise<Principal | null> {
    const [state, revoked, membership] = await Promise.all([
      this.accounts.credentialState(claims.sub),
      this.revocations.isRevoked(claims.jti),
      claims.org_id === null ? null : this.memberships.standing(claims.org_id, claims.sub),
    ]);
    if (!state || revoked || state.credential_version !== claims.cv) return null;
    // A token of an organization needs the very membership it was issued for: a removed member
    // that joined again has another, and its old tokens stay refused.
    if (claims.org_id !== null && membership?._id.toHexString() !== claims.mid) return null;
    const role = membership?.role ?? null;
    return {
      actor: { type: 'account', id: claims.sub, email: state.email },
      orgId: claims.org_id,
      role,
      account: {
        accountId: claims.sub,
        membershipId: claims.mid,
        email: state.email,
        credentialVersion: claims.cv,
        token: { id: claims.jti, expiresAt: new Date(claims.exp * 1000) },
      },
    };
  }

  /** Ends the presented token only: its id is refused until it would have expired anyway. */
  logout(session: { token: { id: string; expiresAt: Date } }): Promise<void> {
    return this.revocations.revoke(session.token.id, session.token.expiresAt);
  }

  /** Ends every session of the account: its credential version moves on, so all its tokens fail. */
  async logoutEverywhere(session: { accountId: string; credentialVersion: number }): Promise<void> {
    await this.accounts.applyChanges({ account_id: toObjectId(session.accountId), credential_version: session.credentialVersion + 1 });
  }
}
