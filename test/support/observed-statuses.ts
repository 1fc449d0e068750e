import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the in-process apps of one Jest run write the statuses they answered (the global setup empties it). */
export function observedStatusesDir(): string | undefined {
  return process.env.TEST_OBSERVED_STATUSES_DIR;
}

let files = 0;

/**
 * Records `METHOD /route -> status` for every answer of an in-process app, written when the app
 * closes: test/openapi/documented-statuses compares them with the OpenAPI document.
 */
export function recordStatuses(app: NestFastifyApplication): void {
  const dir = observedStatusesDir();
  if (!dir) return;
  const seen = new Set<string>();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    // Unknown paths (404 before routing) belong to no operation.
    if (route) seen.add(`${request.method} ${route} ${reply.statusCode}`);
    done();
  });
  fastify.addHook('onClose', (_instance, done) => {
    mkdirSync(dir, { recursive: true });
    files += 1;
    writeFileSync(join(dir, `${process.pid}-${files}-${Date.now()}.json`), JSON.stringify([...seen]));
    done();
  });
}

/** Every `METHOD /route -> statuses` the run's apps answered so far. */
export function observedStatuses(): Map<string, Set<number>> {
  const dir = observedStatusesDir();
  const observed = new Map<string, Set<number>>();
  if (!dir) return observed;
  for (const file of readdirSync(dir, { withFileTypes: true })) {
    if (!file.isFile() || !file.name.endsWith('.json')) continue;
    for (const entry of JSON.parse(readFileSync(join(dir, file.name), 'utf8')) as string[]) {
      const at = entry.lastIndexOf(' ');
      const operation = entry.slice(0, at);
      const statuses = observed.get(operation) ?? new Set<number>();
      statuses.add(Number(entry.slice(at + 1)));
      observed.set(operation, statuses);
    }
  }
  return observed;
}
