import { parseTokenClaims } from './token-claims.js';

const valid = {
  sub: '507f191e810c19729de860ea',
  org_id: '507f1f77bcf86cd799439011',
  mid: '507f1f77bcf86cd799439012',
  cv: 3,
  jti: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
};
/** A verified payload as the JWT layer hands it over: the claims plus the registered ones. */
const payload = { ...valid, iat: 1, exp: 2 };

describe('parseTokenClaims', () => {
  it('accepts well-formed claims', () => {
    expect(parseTokenClaims(payload)).toEqual({ ...valid, exp: 2 });
  });

  it('reads an account token (no org_id) as org_id null', () => {
    expect(parseTokenClaims({ ...payload, org_id: undefined, mid: undefined })).toEqual({ ...valid, org_id: null, mid: null, exp: 2 });
  });

  it.each([
    ['no payload', null],
    ['a string payload', 'abc'],
    ['org_id not an object id', { ...payload, org_id: 'acme' }],
    ['org_id null', { ...payload, org_id: null }],
    ['sub as operator object', { ...payload, sub: { $ne: null } }],
    ['missing credential version', { ...payload, cv: undefined }],
    ['fractional credential version', { ...payload, cv: 1.5 }],
    ['credential version as string', { ...payload, cv: '3' }],
    ['no expiry', { ...payload, exp: undefined }],
    ['org_id without its membership', { ...payload, mid: undefined }],
    ['a membership without org_id', { ...payload, org_id: undefined }],
    ['mid not an object id', { ...payload, mid: 'm1' }],
    ['no token id', { ...payload, jti: undefined }],
    ['a token id that is not a plain id', { ...payload, jti: { $ne: null } }],
    ['upper-case hex id', { ...payload, sub: valid.sub.toUpperCase() }],
  ])('refuses %s', (_label, payload) => {
    expect(parseTokenClaims(payload)).toBeNull();
  });
});
