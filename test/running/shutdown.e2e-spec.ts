import http from 'node:http';
import { ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { testEnvironment, uniqueOrg } from '../support/test-app.js';

/** Loose bound: the failure this guards against is an exit only after Fastify's keep-alive timeout. */
const EXIT_WELL_BEFORE_MS = 10_000;

interface Answer {
  status: number;
  connection: string | undefined;
}

/** A request on `agent` that has reached the service (it answered 100 Continue) but has no body yet. */
function requestAwaitingBody(
  service: ServiceProcess,
  agent: http.Agent,
  body: string,
): Promise<{ send: () => Promise<Answer>; socket: import('node:net').Socket }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: service.port,
      path: '/org/create',
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
    });
    const answered = new Promise<Answer>((done, fail) => {
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => done({ status: response.statusCode ?? 0, connection: response.headers.connection }));
      });
      request.on('error', fail);
    });
    answered.catch(() => undefined);
    request.on('error', reject);
    request.on('continue', () => resolve({ socket: request.socket!, send: () => (request.end(body), answered) }));
    request.flushHeaders();
  });
}

function get(service: ServiceProcess, agent: http.Agent, path: string): Promise<{ status: number; socket: import('node:net').Socket }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port: service.port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, socket: request.socket! }));
    });
    request.on('error', reject);
  });
}

async function waitForOutput(service: ServiceProcess, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!service.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in the service's output:\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const closed = (socket: import('node:net').Socket) =>
  socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('stopping the built service with SIGTERM or SIGINT', () => {
  let service: ServiceProcess | undefined;
  let agent: http.Agent;

  beforeEach(() => {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  });

  afterEach(async () => {
    agent.destroy();
    if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    await service?.exited;
    service = undefined;
  });

  it('exits 0 at once while a client holds an idle keep-alive connection', async () => {
    service = await startServiceProcess(testEnvironment({ LOG_LEVEL: 'info' }));
    const { status, socket } = await get(service, agent, '/health');
    expect(status).toBe(200);
    expect(socket.destroyed).toBe(false);

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(EXIT_WELL_BEFORE_MS);
    await closed(socket);
    expect(service.output()).toContain('Stopped');
  }, 60_000);

  // Ctrl-C in a terminal is SIGINT: logged as the signal received, and the same clean stop.
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'logs %s as received and exits 0',
    async (signal) => {
      service = await startServiceProcess(testEnvironment({ LOG_LEVEL: 'info' }));
      service.child.kill(signal);
      expect(await service.exited).toEqual({ code: 0, signal: null });
      const stopLines = service
        .output()
        .split('\n')
        .filter((line) => / received: /.test(line));
      expect(stopLines).toEqual([expect.stringContaining(`${signal} received: finishing in-flight requests`)]);
      expect(service.output()).toContain('Stopped');
    },
    60_000,
  );

  it('finishes a request in flight, answers it with Connection: close and exits 0', async () => {
    service = await startServiceProcess(testEnvironment({ LOG_LEVEL: 'info' }));
    const inFlight = await requestAwaitingBody(service, agent, JSON.stringify(uniqueOrg('Shutdown')));

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    await waitForOutput(service, 'SIGTERM received');
    expect(await inFlight.send()).toEqual({ status: 201, connection: 'close' });
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(EXIT_WELL_BEFORE_MS);
    await closed(inFlight.socket);
  }, 60_000);

  it('exits 1 after SHUTDOWN_TIMEOUT_SECONDS when a request never finishes', async () => {
    service = await startServiceProcess(testEnvironment({ LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_SECONDS: '1' }));
    await requestAwaitingBody(service, agent, JSON.stringify(uniqueOrg('Never sent')));

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - signalled).toBeLessThan(EXIT_WELL_BEFORE_MS);
    expect(service.output()).toContain('Shutdown did not finish within 1 s');
  }, 60_000);
});
