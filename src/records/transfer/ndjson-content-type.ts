import type { FastifyInstance } from 'fastify';

export const NDJSON = 'application/x-ndjson';

/**
 * NDJSON bodies reach their handler as the raw request stream, unread: POST /org/import reads it a
 * batch at a time and enforces IMPORT_MAX_BYTES itself, so the body limit does not apply.
 */
export function acceptNdjsonStreams(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));
}
