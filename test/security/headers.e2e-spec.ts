import { useOrgWithToken, useTestApp } from '../support/session.js';

type Response = { status: number; headers: Record<string, string>; body: Record<string, unknown> };

const SECURITY_HEADERS: Record<string, RegExp> = {
  // No upgrade-insecure-requests: Swagger UI must load over plain HTTP behind a TLS-terminating proxy.
  'content-security-policy': /^(?!.*upgrade-insecure-requests).*default-src 'self'/,
  'strict-transport-security': /max-age=\d+/,
  'x-content-type-options': /^nosniff$/,
  'x-frame-options': /^SAMEORIGIN$/,
  'referrer-policy': /^no-referrer$/,
  'cross-origin-opener-policy': /^same-origin$/,
  'cross-origin-resource-policy': /^same-origin$/,
};

function expectSecurityHeaders(response: Response): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS))
    expect([name, response.headers[name]]).toEqual([name, expect.stringMatching(value)]);
  expect(response.headers['x-powered-by']).toBeUndefined();
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
  if (response.status >= 400) expect(response.body.requestId).toBe(response.headers['x-request-id']);
}

describe('response headers (e2e)', () => {
  // GET /org/list stands for any public route here (who may list is the platform suite's subject).
  const t = useTestApp({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_IP: '1', ORG_LIST_PUBLIC: 'true' });
  const admin = useOrgWithToken(t);

  it.each<[string, () => Promise<Response>, number]>([
    ['a success', () => t.http().get('/health'), 200],
    ['an authenticated success', () => t.withToken(admin.token).get('/org/collection/stats'), 200],
    ['the API document', () => t.http().get('/docs-json'), 200],
    ['a validation error', () => t.http().get('/org/list?limit=0'), 400],
    ['a missing token', () => t.http().get('/org/collection/stats'), 401],
    ['an unknown route', () => t.http().get('/no/such/route'), 404],
    ['an undeclared method', () => t.http().patch('/org/create'), 405],
    [
      'an oversized body',
      () =>
        t
          .http()
          .post('/org/create')
          .send({ organization_name: 'x'.repeat(70_000) }),
      413,
    ],
    [
      'a throttled login',
      async () => {
        const login = () =>
          t.http().post('/admin/login').set('X-Forwarded-For', '192.0.2.200').send({ email: 'h@example.com', password: 'p-123456789012' });
        await login();
        return login();
      },
      429,
    ],
  ])('sets the security headers and X-Request-Id on %s', async (_label, send, status) => {
    const response = await send();
    expect(response.status).toBe(status);
    expectSecurityHeaders(response);
  });

  it('answers an undeclared method on a known path with 405 and Allow, and an unknown path with 404', async () => {
    const trace = await t.http().trace('/org/records');
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD, POST');
    const patch = await t.http().patch('/org/records/6b0000000000000000000000');
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('DELETE, GET, HEAD, PUT');
    // A fixed path beside a parametric one answers for itself.
    const patchMe = await t.http().patch('/org/members/me').send({ role: 'owner' });
    expect(patchMe.status).toBe(405);
    expect(patchMe.headers.allow).toBe('GET, HEAD');
    expect((await t.http().trace('/org/nothing-here')).status).toBe(404);
  });

  it('answers 405 on a static path for a method only its parametric sibling serves', async () => {
    // PATCH /org/members/{id} would otherwise take /org/members/me as the member "me" (a 400).
    const responses = {
      patch: await t.withToken(admin.token).patch('/org/members/me').send({ role: 'viewer' }),
      delete: await t.withToken(admin.token).delete('/org/members/me'),
      options: await t.http().options('/org/members/me'),
    };
    for (const [method, response] of Object.entries(responses)) {
      expect([method, response.status, response.headers.allow]).toEqual([method, 405, 'GET, HEAD']);
      expect(response.body).toMatchObject({ statusCode: 405, requestId: response.headers['x-request-id'] });
    }
    await t.withToken(admin.token).get('/org/members/me').expect(200);
    expect(
      (
        await t
          .withToken(admin.token)
          .patch(`/org/members/${'0'.repeat(24)}`)
          .send({ role: 'viewer' })
      ).status,
    ).toBe(404);
  });

  it('keeps a sane incoming X-Request-Id and replaces anything else', async () => {
    const kept = await t.http().get('/health').set('X-Request-Id', 'client-trace-42');
    expect(kept.headers['x-request-id']).toBe('client-trace-42');
    const replaced = await t.http().get('/org/list?limit=0').set('X-Request-Id', '<script>alert(1)</script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.body.requestId).toBe(replaced.headers['x-request-id']);
  });

  it('sends no CORS headers by default, to simple requests or preflights', async () => {
    const simple = await t.http().get('/org/list').set('Origin', 'https://evil.example');
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.http().options('/org/list').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('CORS when CORS_ORIGINS is set (e2e)', () => {
  const ALLOWED = 'https://app.example.com';
  const t = useTestApp({ CORS_ORIGINS: `${ALLOWED}, https://admin.example.com`, ORG_LIST_PUBLIC: 'true' });

  it('allows the listed origins, preflight included', async () => {
    const simple = await t.http().get('/org/list').set('Origin', ALLOWED).expect(200);
    expect(simple.headers['access-control-allow-origin']).toBe(ALLOWED);
    const preflight = await t.http().options('/org/update').set('Origin', ALLOWED).set('Access-Control-Request-Method', 'PUT');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('does not allow other origins', async () => {
    const simple = await t.http().get('/org/list').set('Origin', 'https://evil.example').expect(200);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t
      .http()
      .options('/org/update')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'PUT');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

/** A Content-Security-Policy header's source lists, by directive. */
function cspDirectives(header: string): Map<string, string[]> {
  return new Map(
    header
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources]),
  );
}

/** Whether the policy lets a page at `page` load `url` under `directive` (default-src when it has none of its own). */
function cspAllows(csp: Map<string, string[]>, directive: string, url: URL, page: URL): boolean {
  const sources = csp.get(directive) ?? csp.get('default-src') ?? [];
  return (
    (sources.includes("'self'") && url.origin === page.origin) ||
    sources.includes(url.origin) ||
    sources.includes(url.protocol) ||
    sources.includes('*')
  );
}

describe('the ReDoc page and its Content-Security-Policy (e2e)', () => {
  const t = useTestApp();
  const page = new URL('http://service.test/redoc');

  it('loads only assets the service serves and the CSP it is served with allows', async () => {
    const html = await t.http().get('/redoc').expect(200);
    expectSecurityHeaders(html);
    const csp = cspDirectives(html.headers['content-security-policy']);
    // What the page references (script, styles, images, the document ReDoc fetches), by the directive that governs it.
    const assets: [directive: string, url: URL][] = [
      ...[...html.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m): [string, URL] => ['script-src', new URL(m[1], page)]),
      ...[...html.text.matchAll(/<link[^>]*\shref="([^"]+)"/g)].map((m): [string, URL] => ['style-src', new URL(m[1], page)]),
      ...[...html.text.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m): [string, URL] => ['img-src', new URL(m[1], page)]),
      ...[...html.text.matchAll(/<redoc[^>]*\sspec-url="([^"]+)"/g)].map((m): [string, URL] => ['connect-src', new URL(m[1], page)]),
    ];
    expect(assets.map(([directive]) => directive).sort()).toEqual(['connect-src', 'script-src']);
    // And what the bundle itself loads: images given as src (Redocly's logo). Its search index runs in a blob: worker.
    const bundle = await t.http().get(assets.find(([directive]) => directive === 'script-src')![1].pathname);
    const images = [...String(bundle.text).matchAll(/\bsrc:"([^"]+)"/g)].map((m): [string, URL] => ['img-src', new URL(m[1], page)]);
    expect(images.map(([, url]) => url.pathname)).toEqual(['/redoc/logo-mini.svg']);
    expect(csp.get('worker-src')).toContain('blob:');

    for (const [directive, url] of [...assets, ...images]) {
      const answer = await t.http().get(url.pathname + url.search);
      expect([url.href, directive, answer.status, cspAllows(csp, directive, url, page)]).toEqual([url.href, directive, 200, true]);
    }
    expect((await t.http().get('/redoc/logo-mini.svg')).headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('answers /favicon.ico with 204 and no body, without a token', async () => {
    const favicon = await t.http().get('/favicon.ico');
    expect(favicon.status).toBe(204);
    expect(favicon.text ?? '').toBe('');
    expectSecurityHeaders(favicon);
  });
});
