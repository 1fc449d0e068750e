import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { ObjectId } from '../common/database/object-id.js';
import { AppConfig } from '../config/app-config.js';
import type { TokenClaims } from './token-claims.js';

/** What every answer that hands out a token carries. */
export interface IssuedToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

/** Issues access tokens: for one organization of an account, or (without one) an account token. */
@Injectable()
export class AccessTokens {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /** A token of the membership's organization, or (without one) an account token. */
  async issue(
    account: { _id: ObjectId; credential_version: number },
    membership: { _id: ObjectId; org_id: ObjectId } | null,
  ): Promise<IssuedToken> {
    const claims: TokenClaims = {
      sub: account._id.toHexString(),
      ...(membership ? { org_id: membership.org_id.toHexString(), mid: membership._id.toHexString() } : {}),
      cv: account.credential_version,
      jti: randomUUID(),
    };
    return { access_token: await this.jwt.signAsync(claims), token_type: 'bearer', expires_in: this.config.jwt.expiresInSeconds };
  }
}
