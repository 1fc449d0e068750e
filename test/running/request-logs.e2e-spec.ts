import type { FetchClient } from '../support/fetch-client.js';
import { type ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { type ServiceSession, useServiceProcess } from '../support/session.js';
import { testEnvironment, uniqueOrg } from '../support/test-app.js';

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

/** What a person reads before the service answers: the lines written before the first request's line. */
function startUpLines(output: string): string[] {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const firstRequest = lines.findIndex((line) => line.includes('request completed'));
  return firstRequest === -1 ? lines : lines.slice(0, firstRequest);
}

describe('start-up output at LOG_LEVEL=info (e2e, built app as a process)', () => {
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  // As a newcomer's first run: no JWT_SECRET (so its warning is printed too), each log format.
  it.each(['json', 'pretty'])('prints at most 5 lines (%s), the first naming where it listens and its docs', async (format) => {
    const env = testEnvironment({ LOG_LEVEL: 'info', LOG_FORMAT: format });
    delete env.JWT_SECRET;
    service = await startServiceProcess(env);
    const lines = startUpLines(service.output());
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines[0]).toContain(`listening on ${service.baseUrl}`);
    expect(lines[0]).toContain(`${service.baseUrl}/docs`);
    expect(lines[0]).toContain(`${service.baseUrl}/redoc`);
    expect(lines.join('\n')).toContain('JWT_SECRET is not set');
    // Nest's narration of modules and routes is there at debug, not at info.
    expect(service.output()).not.toMatch(/RoutesResolver|RouterExplorer|InstanceLoader|Mapped \{/);
  });

  it('narrates modules and routes at LOG_LEVEL=debug', async () => {
    service = await startServiceProcess(testEnvironment({ LOG_LEVEL: 'debug' }));
    expect(service.output()).toMatch(/Mapped \{\/org\/create, POST\} route/);
    expect(service.output()).toMatch(/AppModule dependencies initialized/);
  });
});
