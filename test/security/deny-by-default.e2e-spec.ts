import { randomBytes } from 'node:crypto';
import { type RegisteredRoute, registeredRoutes } from '../support/routes.js';
import { createTestApp, TEST_OPERATOR_KEY, TestApp } from '../support/test-app.js';

/**
 * The routes that may be called without a token; anything else must answer 401 without one.
 * (GET /org/list is an operator route that ORG_LIST_PUBLIC=true opens; it is off here.)
 */
const PUBLIC_ROUTES = [
  'GET /',
  'GET /favicon.ico',
  'GET /health',
  'GET /health/ready',
  'GET /metrics',
  'GET /org/get',
  'POST /admin/login',
  'POST /invitations/accept',
  'POST /org/create',
];

describe('Deny by default', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('marks exactly the documented routes public', () => {
    const routes = registeredRoutes(t.app);
    expect(routes.length).toBeGreaterThan(PUBLIC_ROUTES.length);
    expect(
      routes
        .filter((route) => route.isPublic)
        .map((route) => `${route.method} ${route.path}`)
        .sort(),
    ).toEqual(PUBLIC_ROUTES);
  });

  const operatorRoute = (route: RegisteredRoute) => route.access?.kind === 'operator';

  it.each([
    // No Authorization header at all: told the token is missing, not that it is invalid (SPEC, "What a person sees").
    ['without a token', undefined, { member: 'Missing bearer token', operator: 'Missing bearer token' }],
    [
      'with an API key that was never issued',
      `Bearer oms_${randomBytes(32).toString('base64url')}`,
      { member: 'Invalid or expired token', operator: 'Invalid operator key' },
    ],
    ['with a malformed API key', 'Bearer oms_not-a-key', { member: 'Invalid or expired token', operator: 'Invalid operator key' }],
    ['with an operator key (it opens only the operator routes)', `Bearer ${TEST_OPERATOR_KEY}`, { member: 'Invalid or expired token' }],
  ])('answers 401 %s on every route not marked public', async (_label, authorization, messages: { member: string; operator?: string }) => {
    const protectedRoutes = registeredRoutes(t.app).filter((route) => !route.isPublic && (messages.operator || !operatorRoute(route)));
    expect(protectedRoutes.length).toBeGreaterThan(0);
    expect(protectedRoutes.some(operatorRoute)).toBe(messages.operator !== undefined);
    for (const route of protectedRoutes) {
      const url = route.path.replace(/:[^/]+/g, '507f1f77bcf86cd799439011');
      const request = t.http()[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch'](url);
      const response = await (authorization === undefined ? request : request.set('Authorization', authorization)).send({});
      expect({ route: route.route, status: response.status, message: (response.body as { message?: string }).message }).toEqual({
        route: route.route,
        status: 401,
        message: operatorRoute(route) ? messages.operator : messages.member,
      });
    }
  });
});
