import type { FastifyInstance } from 'fastify';
import { errorBody } from '../filters/error-body.js';

interface RouteMethods {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/org/records/:id` -> /^\/org\/records\/[^/]+$/; `/docs/*` -> /^\/docs\/.*$/. */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * A request whose path exists but whose method does not gets 405 with an `Allow` header (RFC 9110)
 * instead of 404. Call before the routes are registered: the route table is collected as they are.
 */
export function answerUndeclaredMethods(fastify: FastifyInstance): void {
  const routes = new Map<string, RouteMethods>();
  fastify.addHook('onRoute', (route) => {
    const entry = routes.get(route.url) ?? { pattern: routePattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
    routes.set(route.url, entry);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0];
    const allowed = new Set<string>();
    const matched = request.routeOptions.url;
    if (matched !== undefined) {
      // `/org/members/me` is a path of its own: `PATCH /org/members/me` must not reach `/org/members/:id`.
      const exact = matched.includes(':') ? routes.get(path) : undefined;
      if (!exact || exact.methods.has(request.method)) return done();
      exact.methods.forEach((method) => allowed.add(method));
    } else {
      for (const { pattern, methods } of routes.values()) {
        if (pattern.test(path)) methods.forEach((method) => allowed.add(method));
      }
      if (allowed.size === 0) return done();
    }
    reply
      .code(405)
      .header('Allow', [...allowed].sort().join(', '))
      .send(errorBody(405, `Method ${request.method} is not allowed on ${path}`, String(request.id)));
  });
}
