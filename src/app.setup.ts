import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { BEARER_AUTH_NAME } from './auth/authenticated.decorator.js';
import { answerUndeclaredMethods } from './common/http/method-not-allowed.js';
import { documentLeastRoles } from './common/openapi/least-roles.js';
import { documentValidationRules } from './common/openapi/validation-rules.js';
import { assignRequestId, REQUEST_ID_HEADER } from './common/http/request-id.js';
import { AppConfig } from './config/app-config.js';
import { RECORD_MAX_BYTES } from './records/record-limits.js';

/** The HTTP server: Fastify with a body limit that fits the largest allowed record. */
export function createHttpAdapter(config: AppConfig): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: RECORD_MAX_BYTES,
    trustProxy: config.http.trustProxy,
    genReqId: assignRequestId,
    requestIdHeader: false,
    return503OnClosing: true,
    requestTimeout: 30_000,
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  return adapter;
}

/** Everything the app needs besides its modules; used by main.ts and by the e2e tests alike. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  if (config.http.corsOrigins.length > 0) app.enableCors({ origin: config.http.corsOrigins });
  // Built once: @fastify/helmet rebuilt the middleware (parsing every directive) on each request.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI at /docs uses inline styles and an inline initializer script.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // TLS is the proxy's business: upgrading would break /docs served over plain HTTP.
        upgradeInsecureRequests: null,
      },
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  answerUndeclaredMethods(app.getHttpAdapter().getInstance());
  const document = documentLeastRoles(documentValidationRules(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Organization Management Service')
        .setDescription('Multi-tenant organizations, their members and their data. Errors: {statusCode, error, message, requestId}.')
        .setVersion('1.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH_NAME)
        .build(),
    ),
  ));
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
