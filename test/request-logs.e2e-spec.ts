import type { FetchClient } from './support/fetch-client.js';
import { type ServiceSession, useServiceProcess } from './support/session.js';
import { uniqueOrg } from './support/test-app.js';

/** A success, three kinds of client error and an unknown route, each answered by the service. */
async function routineRequests(api: FetchClient): Promise<Map<string, number>> {
  const answers = [
    await api.request('GET', '/health'),
    await api.request('GET', `/org/get?organization_name=${encodeURIComponent(uniqueOrg().organization_name)}`),
    await api.request('GET', '/org/records'),
    await api.request('POST', '/admin/login', { body: { email: 'not-an-email', password: 'x' } }),
    await api.request('GET', '/no/such/route'),
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 404, 401, 400, 404]);
  return new Map(answers.map((a) => [a.headers['x-request-id'], a.status]));
}

/** The JSON log lines of a stopped service that mention `requestId`. */
function linesOf(session: ServiceSession, requestId: string): Record<string, any>[] {
  return session.service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

describe('request logs at LOG_LEVEL=info (e2e, built app as a process)', () => {
  const t = useServiceProcess({ LOG_LEVEL: 'info' });

  it('writes one line per request, client errors at info, with the request id, method, path and status', async () => {
    const requests = await routineRequests(t.api);
    await t.service.stop();
    for (const [id, status] of requests) {
      const lines = linesOf(t, id);
      expect([id, lines.length]).toEqual([id, 1]);
      expect(lines[0]).toMatchObject({ level: 30, statusCode: status, req: { id } });
      expect(typeof lines[0].responseTime).toBe('number');
    }
  });
});

describe('request logs at LOG_LEVEL=warn (e2e, built app as a process)', () => {
  const t = useServiceProcess({ LOG_LEVEL: 'warn' });

  it('writes no line for successes or client errors (a flood of 4xx does not flood the warnings)', async () => {
    const requests = await routineRequests(t.api);
    await t.service.stop();
    for (const id of requests.keys()) expect([id, linesOf(t, id)]).toEqual([id, []]);
  });
});
