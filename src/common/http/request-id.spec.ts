import type { IncomingMessage } from 'node:http';
import { assignRequestId, REQUEST_ID_HEADER } from './request-id.js';

const requestWith = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;

describe('assignRequestId', () => {
  it('keeps a sane incoming id', () => {
    const request = requestWith({ [REQUEST_ID_HEADER]: 'abc-123' });
    expect(assignRequestId(request)).toBe('abc-123');
  });

  it.each([['<script>'], ['x'.repeat(129)], [['a', 'b']]])('replaces %j with a UUID and records it', (incoming) => {
    const request = requestWith({ [REQUEST_ID_HEADER]: incoming });
    const id = assignRequestId(request);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.headers[REQUEST_ID_HEADER]).toBe(id);
  });
});
