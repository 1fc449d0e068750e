import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { StartUpQuietLogger } from './common/logging/start-up-logger.js';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { DOCS_PATH, OPENAPI_PATH, REDOC_PATH, SERVICE_LICENSE, SERVICE_NAME, SERVICE_VERSION } from './about/service-info.js';
import { BEARER_AUTH_NAME } from './common/access/authenticated.decorator.js';
import { OPERATOR_AUTH_NAME } from './common/access/operator-authenticated.decorator.js';
import { answerUndeclaredMethods } from './common/http/method-not-allowed.js';
import { documentHttpConventions } from './common/openapi/http-conventions.js';
import { documentLeastRoles } from './common/openapi/least-roles.js';
import { documentPublicSwitches } from './common/access/public-switches.js';
import { registerOnboardingRateLimit } from './common/rate-limit/onboarding-rate-limit.js';
import { documentValidationRules } from './common/openapi/validation-rules.js';
import { documentConfiguredClusters } from './platform/dto/placement.dto.js';
import { assignRequestId, REQUEST_ID_HEADER } from './common/http/request-id.js';
import { AppConfig } from './config/app-config.js';
import { RECORD_DATA, RECORD_DATA_SCHEMA } from './records/dto/record-data.openapi.js';
import { RECORD_MAX_BYTES, ROUTE_BODY_LIMITS } from './records/record-limits.js';
import { acceptNdjsonStreams } from './records/transfer/ndjson-content-type.js';

/** The HTTP server: Fastify with a body limit that fits the largest allowed record. */
export function createHttpAdapter(config: AppConfig): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: RECORD_MAX_BYTES,
    // GET /org/records carries a filter (4,096 characters) and a cursor (4,096) in its query
    // string, up to 12 bytes a character once percent-encoded: past Node's 16 KiB default.
    http: { maxHeaderSize: 128 * 1024 },
    trustProxy: config.http.trustProxy,
    genReqId: assignRequestId,
    requestIdHeader: false,
    return503OnClosing: true,
    // The whole request must arrive within this: POST /org/import's body is as long as its import
    // (9-10k records/s measured, so the default 256 MiB, about 1M records, takes about 2 minutes;
    // at 30 s a 1M import was cut off after 72 s). Headers still have Node's 60 s.
    requestTimeout: 15 * 60_000,
  });
  // Every answer, errors and 404s included, carries its request id and the security headers.
  const headers = securityHeaders();
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  acceptNdjsonStreams(adapter.getInstance());
  // Routes that take more than one record get a limit of their own.
  adapter.getInstance().addHook('onRoute', (route) => {
    const limit = ROUTE_BODY_LIMITS[route.url];
    if (limit !== undefined) route.bodyLimit = limit;
  });
  closeKeepAliveConnectionsOnClose(adapter.getInstance());
  return adapter;
}

/**
 * Closing the server closes only the keep-alive connections idle at that moment. One whose
 * request is still in flight would stay open for the whole keep-alive timeout after its answer,
 * and so would the process. While closing, answers say `Connection: close`, and each finished one
 * closes the connections that have become idle.
 */
function closeKeepAliveConnectionsOnClose(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    if (closing) fastify.server.closeIdleConnections();
    done();
  });
}

/**
 * Performance choice, measured in BENCHMARKS.md "What changed for these figures" (record read 1108 -> 766 µs with the next three):
 * helmet's response headers, worked out once: with these static directives they are the same for
 * every request, so each answer only copies them instead of running helmet's middleware chain.
 */
function securityHeaders(): Record<string, string> {
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI at /docs uses inline styles and an inline initializer script.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // ReDoc at /redoc runs its search index in a worker made from a blob: URL.
        workerSrc: ["'self'", 'blob:'],
        // TLS is the proxy's business: upgrading would break /docs served over plain HTTP.
        upgradeInsecureRequests: null,
      },
    },
  });
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error instanceof Error ? error : new Error('helmet refused its configuration');
  });
  return headers;
}

/** Everything the app needs besides its modules; used by main.ts and by the e2e tests alike. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(new StartUpQuietLogger(app.get(Logger)));
  await registerOnboardingRateLimit(app, config);
  if (config.http.corsOrigins.length > 0) app.enableCors({ origin: config.http.corsOrigins });
  const fastify = app.getHttpAdapter().getInstance();
  answerUndeclaredMethods(fastify);
  const document = documentHttpConventions(
    documentPublicSwitches(
      documentLeastRoles(
        documentValidationRules(
          SwaggerModule.createDocument(
            app,
            new DocumentBuilder()
              .setTitle('Organization Management Service')
              .setDescription('Multi-tenant organizations, their members and their data. Errors: {statusCode, error, message, requestId}.')
              .setVersion(SERVICE_VERSION)
              .addServer('/', 'This service')
              .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH_NAME)
              .addBearerAuth(
                {
                  type: 'http',
                  scheme: 'bearer',
                  bearerFormat: 'operator key',
                  description:
                    'An operator key of PLATFORM_API_KEYS, for /platform/* (and GET /org/list unless ORG_LIST_PUBLIC=true). ' +
                    'Member tokens and API keys are refused there (401), and operator keys everywhere else.',
                },
                OPERATOR_AUTH_NAME,
              )
              .build(),
          ),
        ),
      ),
      config.platform,
    ),
    { bodyLimitBytes: RECORD_MAX_BYTES, schemas: { [RECORD_DATA]: RECORD_DATA_SCHEMA } },
  );
  documentConfiguredClusters(
    document,
    config.tenancy.clusters.map(({ name }) => name),
  );
  document.info.license = { name: SERVICE_LICENSE };
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_PATH.slice(1),
    swaggerOptions: { persistAuthorization: true },
  });
  serveRedoc(fastify);
}

const REDOC_BUNDLE = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
/**
 * The one asset ReDoc's bundle fetches from elsewhere: Redocly's logo beside "API docs by Redocly"
 * in the sidebar, from their CDN (refused by the CSP's img-src, and a request to a third party for
 * every reader). The bundle is served with that URL pointing at a stand-in served here, relative to
 * the page like the bundle itself, so the page loads nothing that is not the service's own.
 */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const REDOC_LOGO = `${REDOC_PATH}/logo-mini.svg`;
/** A neutral document mark (Redocly's logo is not in the redoc package). */
const REDOC_LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16">' +
  '<path d="M3 1h7l3 3v11H3z" fill="none" stroke="#888" stroke-width="1.2"/>' +
  '<path d="M5 7h6M5 9.5h6M5 12h4" stroke="#888" stroke-width="1.2"/></svg>\n';

/** The redoc package's bundle with its logo URL pointed here; read once, on the first request. */
let redocBundle: Buffer | undefined;
function servedRedocBundle(): Buffer {
  redocBundle ??= Buffer.from(readFileSync(REDOC_BUNDLE, 'utf8').replaceAll(REDOC_CDN_LOGO, REDOC_LOGO.slice(1)));
  return redocBundle;
}

/** ReDoc, the reference-style reading of the same document, from the redoc package's self-contained bundle. */
function serveRedoc(fastify: FastifyInstance): void {
  // Relative URLs keep working when a proxy mounts the service under a path prefix.
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${SERVICE_NAME}: API reference</title>
</head>
<body>
<redoc spec-url="${OPENAPI_PATH.slice(1)}"></redoc>
<script src="${REDOC_PATH.slice(1)}/redoc.standalone.js"></script>
</body>
</html>
`;
  fastify.get(REDOC_PATH, (_request, reply) => {
    void reply.type('text/html; charset=utf-8').send(page);
  });
  fastify.get(`${REDOC_PATH}/redoc.standalone.js`, (_request, reply) => {
    void reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(servedRedocBundle());
  });
  fastify.get(REDOC_LOGO, (_request, reply) => {
    void reply.type('image/svg+xml').header('Cache-Control', 'public, max-age=3600').send(REDOC_LOGO_SVG);
  });
}
