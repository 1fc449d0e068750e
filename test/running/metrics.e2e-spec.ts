import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/** The value of one series in Prometheus text format, or undefined if it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

describe('metrics (e2e)', () => {
  const t = useTestApp();

  const scrape = async () => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('serves process metrics, including event-loop delay percentiles and resident memory', async () => {
    const text = await scrape();
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_p50_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts requests and their duration per route pattern and status, never per raw URL', async () => {
    const missingId = '0123456789abcdef01234567';
    await t.http().get('/health').expect(200);
    await t.http().get('/health').expect(200);
    await t.http().get(`/org/records/${missingId}`).expect(401);
    await t.http().get('/no/such/route/4242').expect(404);

    const text = await scrape();
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/health', status_code: '200' })).toBe(2);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/org/records/:id', status_code: '401' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/health', status_code: '200' })).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_sum', { method: 'GET', route: '/health', status_code: '200' })).toBeGreaterThan(0);
    // Only the labels can name a URL (sample values are numbers that may hold any digits).
    const labels = text
      .split('\n')
      .filter((line) => line.startsWith('http_'))
      .map((line) => line.slice(0, line.lastIndexOf(' ')));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.join('\n')).not.toContain(missingId);
    expect(labels.join('\n')).not.toContain('no/such/route');
  });

  it('reports the tenant model cache size, capacity and hit rate', async () => {
    const { token } = await createOrgWithToken(t);
    const before = await scrape();
    const hitsBefore = sample(before, 'tenant_model_cache_lookups_total', { result: 'hit' }) ?? 0;

    const created = await t.withToken(token).post('/org/records').send({ sku: 'A-1' }).expect(201);
    await t.withToken(token).get(`/org/records/${created.body.id}`).expect(200);
    await t.withToken(token).get(`/org/records/${created.body.id}`).expect(200);

    const after = await scrape();
    expect(sample(after, 'tenant_model_cache_size')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'tenant_model_cache_capacity')).toBe(t.config.tenantModelCacheSize);
    expect(sample(after, 'tenant_model_cache_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(hitsBefore + 2);
    expect(sample(after, 'tenant_model_cache_lookups_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    const ratio = sample(after, 'tenant_model_cache_hit_ratio') as number;
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(1);
  });

  it('counts organization create, rename and delete by outcome', async () => {
    const count = (text: string, operation: string, outcome: string) =>
      sample(text, 'organization_lifecycle_operations_total', { operation, outcome });
    const before = await scrape();

    const { input, token } = await createOrgWithToken(t);
    await t
      .http()
      .post('/org/create')
      .send({ ...input, email: uniqueOrg().email })
      .expect(409);
    const renamed = uniqueOrg('Renamed').organization_name;
    const update = await t.withToken(token).put('/org/update').send({ organization_name: renamed }).expect(200);
    await t.withToken(update.body.access_token).delete('/org/delete').query({ organization_name: renamed }).expect(200);

    const after = await scrape();
    expect(count(after, 'create', 'success')).toBe((count(before, 'create', 'success') as number) + 1);
    expect(count(after, 'create', 'failure')).toBe((count(before, 'create', 'failure') as number) + 1);
    expect(count(after, 'rename', 'success')).toBe((count(before, 'rename', 'success') as number) + 1);
    expect(count(after, 'rename', 'failure')).toBe(count(before, 'rename', 'failure'));
    expect(count(after, 'delete', 'success')).toBe((count(before, 'delete', 'success') as number) + 1);
    expect(count(after, 'delete', 'failure')).toBe(0);
  });

  it('is not part of the OpenAPI document', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toContain('/health');
    expect(Object.keys(res.body.paths)).not.toContain('/metrics');
  });
});
