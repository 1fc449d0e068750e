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

  async issue(account: { _id: ObjectId; credential_version: number }, orgId: ObjectId | null): Promise<IssuedToken> {
    const claims: TokenClaims = {
      sub: account._id.toHexString(),
      ...(orgId ? { org_id: orgId.toHexString() } : {}),
      cv: account.credential_version,
      jti: randomUUID(),
    };
    return { access_token: await this.jwt.signAsync(claims), token_type: 'bearer', expires_in: this.config.jwt.expiresInSeconds };
  }
}
