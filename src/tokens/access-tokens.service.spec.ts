import { JwtService } from '@nestjs/jwt';
import { Types } from 'mongoose';
import { TEST_CONFIG } from '../common/testing/common.fakes.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { AccessTokens } from './access-tokens.service.js';

describe('AccessTokens', () => {
  const tokens = new AccessTokens(TEST_CONFIG);
  const verifier = new AccessTokenVerifier(new JwtService({}), TEST_CONFIG);
  const account = { _id: new Types.ObjectId(), credential_version: 3 };
  const membership = { _id: new Types.ObjectId(), org_id: new Types.ObjectId() };

  it('issues HS256 tokens that jsonwebtoken verifies: kid, issuer, audience, iat and exp, and the claims', async () => {
    const issued = await tokens.issue(account, membership);
    expect(issued).toMatchObject({ token_type: 'bearer', expires_in: TEST_CONFIG.jwt.expiresInSeconds });
    const [header, payload] = issued.access_token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as unknown);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: TEST_CONFIG.jwt.keyId });
    const claims = payload as Record<string, number>;
    expect(claims).toMatchObject({ iss: TEST_CONFIG.jwt.issuer, aud: TEST_CONFIG.jwt.audience });
    expect(claims.exp - claims.iat).toBe(TEST_CONFIG.jwt.expiresInSeconds);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(5);
    expect(verifier.verify(issued.access_token)).toEqual({
      sub: account._id.toHexString(),
      org_id: membership.org_id.toHexString(),
      mid: membership._id.toHexString(),
      cv: 3,
      jti: expect.any(String),
      exp: claims.exp,
    });
  });

  it('issues account tokens without an organization, each with its own id', async () => {
    const first = verifier.verify((await tokens.issue(account, null)).access_token);
    const second = verifier.verify((await tokens.issue(account, null)).access_token);
    expect(first).toMatchObject({ sub: account._id.toHexString(), org_id: null, mid: null, cv: 3 });
    expect(second!.jti).not.toBe(first!.jti);
  });

  it('signs with the current key only: a token whose signature is altered does not verify', async () => {
    const { access_token } = await tokens.issue(account, membership);
    const [header, payload, signature] = access_token.split('.');
    const altered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(verifier.verify(altered)).toBeNull();
  });
});
