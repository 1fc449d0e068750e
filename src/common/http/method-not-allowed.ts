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
 * instead of 404. That includes a static path that a parametric route would also match: PATCH
 * /org/members/me is not PATCH /org/members/:id of a member "me", since /org/members/me is a
 * resource of its own that serves only GET. Call before the routes are registered: the route table
 * is collected as they are.
 */
export function answerUndeclaredMethods(fastify: FastifyInstance): void {
  const routes = new Map<string, RouteMethods>();
  fastify.addHook('onRoute', (route) => {
    const entry = routes.get(route.url) ?? { pattern: routePattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
    routes.set(route.url, entry);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const matched = request.routeOptions.url;
    // The common case: a static route matched, which nothing can shadow.
    if (matched !== undefined && !matched.includes(':')) return done();
    const path = request.url.split('?')[0];
    const exact = /[:*]/.test(path) ? undefined : routes.get(path);
    // Only a parametric match can shadow a static path; wildcards (CORS preflights, /docs assets) cannot.
    const shadowed = matched !== undefined && matched.includes(':') && exact !== undefined;
    if (matched !== undefined && !shadowed) return done();
    // A static path answers for itself; any other path for every route it fits.
    const candidates = exact ? [exact] : [...routes.values()].filter(({ pattern }) => pattern.test(path));
    const allowed = new Set(candidates.flatMap(({ methods }) => [...methods]));
    if (allowed.size === 0) return done();
    reply
      .code(405)
      .header('Allow', [...allowed].sort().join(', '))
      .send(errorBody(405, `Method ${request.method} is not allowed on ${path}`, String(request.id)));
  });
}
