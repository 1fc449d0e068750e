import { randomBytes } from 'node:crypto';
import { type RegisteredRoute, registeredRoutes } from './support/routes.js';
import { createTestApp, TEST_OPERATOR_KEY, TestApp } from './support/test-app.js';

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

  it.each([
    ['without a token', undefined],
    ['with an API key that was never issued', `Bearer oms_${randomBytes(32).toString('base64url')}`],
    ['with a malformed API key', 'Bearer oms_not-a-key'],
    ['with an operator key (it opens only the operator routes)', `Bearer ${TEST_OPERATOR_KEY}`],
  ])('answers 401 %s on every route not marked public', async (_label, authorization) => {
    const operatorKey = authorization === `Bearer ${TEST_OPERATOR_KEY}`;
    const operatorRoute = (route: RegisteredRoute) => route.path.startsWith('/platform/') || route.path === '/org/list';
    const protectedRoutes = registeredRoutes(t.app).filter((route) => !route.isPublic && !(operatorKey && operatorRoute(route)));
    expect(protectedRoutes.length).toBeGreaterThan(0);
    for (const route of protectedRoutes) {
      const url = route.path.replace(/:[^/]+/g, '507f1f77bcf86cd799439011');
      const request = t.http()[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch'](url);
      const response = await (authorization === undefined ? request : request.set('Authorization', authorization)).send({});
      expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
    }
  });
});
