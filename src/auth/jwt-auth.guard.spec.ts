import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { JwtService, type JwtSignOptions } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import {
  ChooseOrganizationError,
  InsufficientRoleError,
  InvalidTokenError,
  MissingTokenError,
  PersonOnlyError,
} from '../common/access/access.errors.js';
import type { Principal } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { ROUTE_ACCESS, type RouteAccess } from '../common/access/route-access.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { VerifiedClaims } from '../tokens/token-claims.js';
import type { ApiKeysService } from '../api-keys/api-keys.service.js';
import type { OrganizationSuspensions } from '../organizations/organization-suspensions.service.js';
import type { OperatorKeys } from '../platform/operator-keys.service.js';
import type { AuthenticationService } from './authentication.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { JwtStrategy } from './jwt.strategy.js';

const key = createSecretKey(Buffer.from('unit-test-secret-that-is-long-enough-0123456789'));
const config = {
  platform: { orgListPublic: false },
  jwt: { issuer: 'iss-test', audience: 'aud-test', verificationKeys: new Map([['k1', key]]) },
} as unknown as AppConfig;
const jwt = new JwtService({
  privateKey: key as unknown as Buffer,
  signOptions: { algorithm: 'HS256', keyid: 'k1', expiresIn: 3600, issuer: 'iss-test', audience: 'aud-test' },
});
const claims = { sub: '507f191e810c19729de860ea', org_id: '507f1f77bcf86cd799439011', mid: '507f1f77bcf86cd799439012', cv: 1 };
let tokenCount = 0;
/** A fresh token (a new jti), so that no earlier test has it remembered. */
const freshToken = (options: JwtSignOptions = {}): string =>
  jwt.sign({ ...claims, jti: `unit-test-token-${String(++tokenCount).padStart(4, '0')}` }, options);

function memberOf(verified: VerifiedClaims, role: MemberRole | null = MemberRole.Member): Principal {
  const email = 'member@example.com';
  return {
    actor: { type: 'account', id: verified.sub, email },
    orgId: role === null ? null : verified.org_id,
    role,
    account: {
      accountId: verified.sub,
      membershipId: verified.mid,
      email,
      credentialVersion: verified.cv,
      token: { id: verified.jti, expiresAt: new Date(verified.exp * 1000) },
    },
  };
}

const routeAccess = (access: RouteAccess) => ({ [ROUTE_ACCESS]: access });

/** Counts the signature checks: passport-jwt asks for the key of every token it verifies. */
class CountingVerifier extends AccessTokenVerifier {
  keyLookups = 0;
  override keyFor(token: string): ReturnType<AccessTokenVerifier['keyFor']> {
    this.keyLookups += 1;
    return super.keyFor(token);
  }
}

describe('JwtAuthGuard with JwtStrategy', () => {
  /** AuthenticationService.authenticate: what is stored now for the token. */
  let lookup: (verified: VerifiedClaims) => Promise<Principal | null>;
  let lookups = 0;
  const auth = {
    authenticate: (verified: VerifiedClaims) => {
      lookups += 1;
      return lookup(verified);
    },
  } as unknown as AuthenticationService;
  const tokens = new CountingVerifier(jwt, config);
  new JwtStrategy(config);
  /** ApiKeysService.authenticate: the one key it knows is `knownKey`, of an admin key. */
  const knownKey = `oms_${'k'.repeat(43)}`;
  let keyLookups = 0;
  const apiKeys = {
    authenticate: (key: string) => {
      keyLookups += 1;
      const principal: Principal = {
        actor: { type: 'api_key', id: 'key-1', name: 'CI' },
        orgId: claims.org_id,
        role: MemberRole.Admin,
        account: null,
      };
      return Promise.resolve(key === knownKey ? principal : null);
    },
  } as unknown as ApiKeysService;
  new ApiKeyStrategy();
  /** No operator routes here; no organization is suspended. */
  const operatorKeys = { authenticate: () => null } as unknown as OperatorKeys;
  const suspensions = { isSuspended: () => Promise.resolve(false) } as unknown as OrganizationSuspensions;
  let metadata: Record<string, unknown> = {};
  const reflector = { getAllAndOverride: (name: string) => metadata[name] } as unknown as Reflector;

  /** Runs a fresh guard (its policy memory is per handler) for one request; resolves to request.user. */
  async function guard(authorization: string | undefined): Promise<Principal | undefined> {
    const request: { headers: { authorization?: string }; user?: Principal } = { headers: { authorization } };
    const context = {
      getHandler: () => guard,
      getClass: () => JwtAuthGuard,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
    } as unknown as ExecutionContext;
    if (!(await new JwtAuthGuard(reflector, config, operatorKeys, suspensions, tokens, auth, apiKeys).canActivate(context)))
      throw new Error('refused without an error');
    return request.user;
  }

  beforeEach(() => {
    metadata = {};
    lookups = 0;
    lookup = (verified) => Promise.resolve(memberOf(verified));
  });

  it('lets a @Public() route through without looking at any token', async () => {
    metadata = routeAccess({ kind: 'public', acceptsAccountToken: false });
    await expect(guard(undefined)).resolves.toBeUndefined();
    expect(lookups).toBe(0);
  });

  it('sets the stored member on the request, and checks a remembered token without its signature', async () => {
    const token = freshToken();
    const keyLookups = tokens.keyLookups;
    await expect(guard(`Bearer ${token}`)).resolves.toEqual(
      expect.objectContaining({ orgId: claims.org_id, actor: expect.objectContaining({ id: claims.sub }) }),
    );
    await expect(guard(`bearer ${token}`)).resolves.toEqual(
      expect.objectContaining({ actor: expect.objectContaining({ id: claims.sub }) }),
    );
    expect(tokens.keyLookups - keyLookups).toBe(1);
    expect(lookups).toBe(2);
  });

  it.each<[string, () => string | undefined]>([
    ['another scheme', () => `Basic ${freshToken()}`],
    ['text around the token', () => `Bearer ${freshToken()} x`],
    ['an unknown kid', () => `Bearer ${freshToken({ keyid: 'k2' })}`],
    ['an expired token', () => `Bearer ${freshToken({ expiresIn: -10 })}`],
    ['another issuer', () => `Bearer ${freshToken({ issuer: 'someone-else' })}`],
    ['another audience', () => `Bearer ${freshToken({ audience: 'another-api' })}`],
    ['HS512 under the right key', () => `Bearer ${freshToken({ algorithm: 'HS512' })}`],
    ['garbage', () => 'Bearer not.a.token'],
  ])('answers %s with the one InvalidTokenError, without a lookup', async (_label, authorization) => {
    await expect(guard(authorization())).rejects.toBeInstanceOf(InvalidTokenError);
    expect(lookups).toBe(0);
  });

  it('answers no Authorization header at all with MissingTokenError, without a lookup', async () => {
    await expect(guard(undefined)).rejects.toBeInstanceOf(MissingTokenError);
    expect(lookups).toBe(0);
  });

  it('refuses a remembered token once it has expired', async () => {
    const token = freshToken({ expiresIn: 60 });
    await guard(`Bearer ${token}`);
    const now = Date.now;
    const later = now() + 61_000;
    Date.now = () => later;
    try {
      await expect(guard(`Bearer ${token}`)).rejects.toBeInstanceOf(InvalidTokenError);
    } finally {
      Date.now = now;
    }
    expect(lookups).toBe(1);
  });

  it('answers a token whose member no longer holds it (stored state) with InvalidTokenError, verified or remembered', async () => {
    const token = freshToken();
    lookup = () => Promise.resolve(null);
    await expect(guard(`Bearer ${token}`)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(guard(`Bearer ${token}`)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('passes a failing lookup (the database is down) on as it is, verified or remembered', async () => {
    const token = freshToken();
    const down = new Error('database down');
    lookup = () => Promise.reject(down);
    await expect(guard(`Bearer ${token}`)).rejects.toBe(down);
    await expect(guard(`Bearer ${token}`)).rejects.toBe(down);
  });

  it("checks the stored role against the route's least role", async () => {
    metadata = routeAccess({ kind: 'organization', leastRole: MemberRole.Admin });
    await expect(guard(`Bearer ${freshToken()}`)).rejects.toBeInstanceOf(InsufficientRoleError);
    lookup = (verified) => Promise.resolve(memberOf(verified, MemberRole.Owner));
    await expect(guard(`Bearer ${freshToken()}`)).resolves.toEqual(expect.objectContaining({ role: MemberRole.Owner }));
  });

  it('refuses an account token (no organization) on an organization route with ChooseOrganizationError', async () => {
    lookup = (verified) => Promise.resolve(memberOf(verified, null));
    await expect(guard(`Bearer ${freshToken()}`)).rejects.toBeInstanceOf(ChooseOrganizationError);
  });

  it('lets an account token through on an account route, and refuses a principal without a person there', async () => {
    metadata = routeAccess({ kind: 'account' });
    lookup = (verified) => Promise.resolve(memberOf(verified, null));
    await expect(guard(`Bearer ${freshToken()}`)).resolves.toEqual(expect.objectContaining({ orgId: null }));
    lookup = (verified) => Promise.resolve({ ...memberOf(verified), account: null });
    await expect(guard(`Bearer ${freshToken()}`)).rejects.toBeInstanceOf(PersonOnlyError);
  });

  it('on a public route that accepts an account token: passes without one, checks one that is sent', async () => {
    metadata = routeAccess({ kind: 'public', acceptsAccountToken: true });
    await expect(guard(undefined)).resolves.toBeUndefined();
    await expect(guard('Bearer not.a.token')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(guard(`Bearer ${freshToken()}`)).resolves.toEqual(expect.objectContaining({ orgId: claims.org_id }));
  });

  it('takes `Bearer oms_…` as an API key (the second strategy): its principal, refused on account routes, an unknown key 401', async () => {
    const before = keyLookups;
    await expect(guard(`Bearer ${knownKey}`)).resolves.toEqual(
      expect.objectContaining({ actor: expect.objectContaining({ type: 'api_key' }) }),
    );
    await expect(guard(`Bearer oms_${'u'.repeat(43)}`)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(keyLookups - before).toBe(2);
    expect(lookups).toBe(0);
    metadata = routeAccess({ kind: 'account' });
    await expect(guard(`Bearer ${knownKey}`)).rejects.toBeInstanceOf(PersonOnlyError);
  });
});
