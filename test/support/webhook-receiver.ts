import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { waitFor } from './lifecycle-state.js';

/** Fast passes and retries for webhook suites; receivers on 127.0.0.1 need private targets allowed. */
export const WEBHOOK_TEST_ENV = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_BASE_MS: '100' };

/** One POST a receiver got. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The parsed body: `{type, timestamp, data}`. */
  payload: { type: string; timestamp: string; data: Record<string, any> };
  /** 1 for the first POST of this webhook-id, 2 for its second... */
  attempt: number;
  at: number;
  /** The 2xx this POST was answered with, if it was the first of its webhook-id to get one. */
  acceptedWith?: number;
}

/** What the receiver answers one POST with; `hang` never answers (until the sender gives up). */
export interface Answer {
  status?: number;
  delayMs?: number;
  hang?: boolean;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A webhook receiver on 127.0.0.1: records every POST, answers as `answer` says (204 by default),
 * counts how many POSTs of one webhook-id were open at once, and verifies signatures with the
 * `standardwebhooks` library (the receivers' own), never with the service's code.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Most POSTs of one webhook-id open at the same moment. */
  maxConcurrentPerId = 0;
  answer: (received: Received) => Answer = () => ({ status: 204 });
  private readonly open = new Map<string, number>();
  private readonly sockets = new Set<import('node:net').Socket>();
  private server: Server | undefined;
  private port = 0;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Listens (again, on the same port after stop()). */
  async listen(): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections: the receiver is down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The events whose POST got a 2xx, in the order they were accepted, each once. */
  accepted(): Received[] {
    return this.received.filter((received) => received.acceptedWith !== undefined);
  }

  /** POSTs of events of these types, in arrival order. */
  ofType(type: string): Received[] {
    return this.received.filter((received) => received.payload.type === type);
  }

  /** Throws unless every POST carries a valid Standard Webhooks signature made with `secret`. */
  verifyAll(secret: string): void {
    const webhook = new Webhook(secret);
    for (const received of this.received) {
      webhook.verify(received.body, {
        'webhook-id': received.id,
        'webhook-timestamp': received.timestamp,
        'webhook-signature': received.signature,
      });
    }
  }

  /** Waits until `count` POSTs got a 2xx answer. */
  untilAccepted(count: number, timeoutMs = 20_000): Promise<Received[]> {
    return waitFor(
      async () => (this.accepted().length >= count ? this.accepted() : undefined),
      () =>
        `${count} accepted deliveries (have ${this.accepted().length}: ${this.accepted()
          .map((received) => received.payload.type)
          .join(', ')})`,
      timeoutMs,
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const id = String(request.headers['webhook-id'] ?? '');
    const received: Received = {
      id,
      timestamp: String(request.headers['webhook-timestamp'] ?? ''),
      signature: String(request.headers['webhook-signature'] ?? ''),
      body,
      payload: JSON.parse(body || 'null'),
      attempt: this.received.filter((earlier) => earlier.id === id).length + 1,
      at: Date.now(),
    };
    this.received.push(received);
    const openNow = (this.open.get(id) ?? 0) + 1;
    this.open.set(id, openNow);
    this.maxConcurrentPerId = Math.max(this.maxConcurrentPerId, openNow);
    const answer = this.answer(received);
    try {
      if (answer.hang) {
        await new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
        return;
      }
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      const status = answer.status ?? 204;
      // Counted once per webhook-id, as a receiver that drops repeats would.
      if (status >= 200 && status < 300 && !this.received.some((earlier) => earlier.id === id && earlier.acceptedWith)) {
        received.acceptedWith = status;
      }
      response.writeHead(status, answer.headers ?? {});
      response.end(answer.body ?? '');
    } finally {
      this.open.set(id, (this.open.get(id) ?? 1) - 1);
    }
  }
}

/** Receivers for the enclosing describe block: `start()` one, and all are stopped after its tests. */
export function useReceivers(): () => Promise<WebhookReceiver> {
  const started: WebhookReceiver[] = [];
  afterAll(async () => {
    for (const receiver of started) await receiver.stop();
  });
  return async () => {
    const receiver = await WebhookReceiver.start();
    started.push(receiver);
    return receiver;
  };
}
