import { parseTokenClaims } from './token-claims.js';

const valid = { sub: '507f191e810c19729de860ea', org_id: '507f1f77bcf86cd799439011', cv: 3 };

describe('parseTokenClaims', () => {
  it('accepts well-formed claims', () => {
    expect(parseTokenClaims({ ...valid, iat: 1, exp: 2 })).toEqual(valid);
  });

  it.each([
    ['no payload', null],
    ['a string payload', 'abc'],
    ['missing org_id', { sub: valid.sub, cv: 1 }],
    ['org_id not an object id', { ...valid, org_id: 'acme' }],
    ['sub as operator object', { ...valid, sub: { $ne: null } }],
    ['missing credential version', { sub: valid.sub, org_id: valid.org_id }],
    ['fractional credential version', { ...valid, cv: 1.5 }],
    ['credential version as string', { ...valid, cv: '3' }],
    ['upper-case hex id', { ...valid, sub: valid.sub.toUpperCase() }],
  ])('refuses %s', (_label, payload) => {
    expect(parseTokenClaims(payload)).toBeNull();
  });
});
