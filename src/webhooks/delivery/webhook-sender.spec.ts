import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook, verifyWebhook, type WebhookHeaders } from './standard-webhooks.js';
import { KEPT_RESPONSE_BYTES, sendWebhook } from './webhook-sender.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver on 127.0.0.1 answering with `answer`; every request it got. */
async function receiver(answer: (response: ServerResponse) => void): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

const servers: Server[] = [];
async function started(answer: (response: ServerResponse) => void) {
  const started = await receiver(answer);
  servers.push(started.server);
  return started;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = JSON.stringify({ type: 'organization.created', timestamp: '2026-12-06T08:00:00.000Z', data: { id: 'x' } });
const signed = (): WebhookHeaders => signWebhook(SECRET, 'evt_1', 1_796_544_000, BODY);
const target = (url: string, addresses = ['127.0.0.1']) => ({ url: new URL(url), addresses });

describe('sendWebhook', () => {
  it('POSTs the signed event, which the receiver can verify, and counts a 2xx as delivered', async () => {
    const { port, received } = await started((response) => response.writeHead(204).end());
    const outcome = await sendWebhook(target(`http://127.0.0.1:${port}/hook`), signed(), BODY);
    expect(outcome).toEqual({ status: 204, detail: '', delivered: true });
    expect(received).toHaveLength(1);
    expect(received[0].body).toBe(BODY);
    expect(received[0].headers['content-type']).toBe('application/json');
    const headers = received[0].headers as unknown as WebhookHeaders;
    expect(verifyWebhook(SECRET, headers, received[0].body)).toBe(true);
  });

  it('connects to the address the check allowed, not to a second DNS answer', async () => {
    const { port, received } = await started((response) => response.writeHead(200).end('ok'));
    // `hooks.invalid` resolves nowhere: only the pinned address can reach the receiver.
    const outcome = await sendWebhook(target(`http://hooks.invalid:${port}/in`), signed(), BODY);
    expect(outcome).toMatchObject({ status: 200, delivered: true });
    expect(received[0].headers.host).toBe(`hooks.invalid:${port}`);
  });

  it('keeps at most 1 KiB of an answer, and does not wait for the end of an endless one', async () => {
    const { port } = await started((response) => response.writeHead(500).end('x'.repeat(5000)));
    const failed = await sendWebhook(target(`http://127.0.0.1:${port}/`), signed(), BODY);
    expect(failed).toEqual({ status: 500, detail: 'x'.repeat(KEPT_RESPONSE_BYTES), delivered: false });
    const endless = await started((response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('y'.repeat(512)), 5);
      response.on('close', () => clearInterval(timer));
    });
    const outcome = await sendWebhook(target(`http://127.0.0.1:${endless.port}/`), signed(), BODY, 60_000);
    expect(outcome).toEqual({ status: 200, detail: 'y'.repeat(KEPT_RESPONSE_BYTES), delivered: true });
  });

  it('keeps at most 1 KiB in UTF-8, when the limit cuts a character or the answer is not UTF-8', async () => {
    const text = `x${'é'.repeat(2499)}x`;
    const { port } = await started((response) => response.writeHead(500).end(text));
    const cut = await sendWebhook(target(`http://127.0.0.1:${port}/`), signed(), BODY);
    expect(cut.detail).toBe(`x${'é'.repeat(511)}`);
    const binary = await started((response) => response.writeHead(500).end(Buffer.alloc(2000, 0xff)));
    const { detail } = await sendWebhook(target(`http://127.0.0.1:${binary.port}/`), signed(), BODY);
    expect(Buffer.byteLength(detail)).toBeLessThanOrEqual(KEPT_RESPONSE_BYTES);
    expect(detail).toBe('\uFFFD'.repeat(Math.floor(KEPT_RESPONSE_BYTES / 3)));
  });

  it('does not follow a redirect', async () => {
    const elsewhere = await started((response) => response.writeHead(200).end());
    const { port } = await started((response) => response.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/` }).end());
    const outcome = await sendWebhook(target(`http://127.0.0.1:${port}/`), signed(), BODY);
    expect(outcome).toEqual({ status: 302, detail: '', delivered: false });
    expect(elsewhere.received).toEqual([]);
  });

  it('gives up on a receiver that does not answer in time, and on one that is not there', async () => {
    const { port } = await started(() => undefined);
    expect(await sendWebhook(target(`http://127.0.0.1:${port}/`), signed(), BODY, 200)).toEqual({
      status: null,
      detail: 'no answer within 200 ms',
      delivered: false,
    });
    const gone = await started((response) => response.end());
    const gonePort = gone.port;
    gone.server.close();
    const refused = await sendWebhook(target(`http://127.0.0.1:${gonePort}/`), signed(), BODY);
    expect(refused).toMatchObject({ status: null, delivered: false, detail: expect.stringContaining('ECONNREFUSED') });
  });
});
