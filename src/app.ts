import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { entityRoutes } from './api/entities/routes.js';
import { beneficialOwnerRoutes } from './api/entity-beneficial-owners/routes.js';
import { entityOnboardingSessionRoutes } from './api/entity-onboarding-sessions/routes.js';
import { supplementalDocumentRoutes } from './api/entity-supplemental-documents/routes.js';
import { eventSubscriptionRoutes } from './api/event-subscriptions/routes.js';
import { eventRoutes } from './api/events/routes.js';
import { fileRoutes } from './api/files/routes.js';
import { programRoutes } from './api/programs/routes.js';
import { accessLog } from './http/access-log.js';
import { writeAnswersPerTurn } from './http/answers-per-turn.js';
import { requireApiKey } from './http/auth.js';
import { notJson, registerErrorHandling } from './http/errors.js';
import { lazySchemaCompilers } from './http/lazy-schemas.js';
import { onboardingRoutes } from './onboarding/routes.js';
import type { Services } from './services.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/**
 * Builds the HTTP app: the API under its routes, with errors, auth and logging. The server
 * process and the tests both build it here, so tests exercise exactly what runs.
 */
export async function buildApp(services: Services, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Fastify's own request lines would include the URL; ours (below) leave it out.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: () => randomUUID(),
    bodyLimit: services.config.bodyLimitBytes,
    // Bodies are checked as sent: a number where a string belongs is an error, not coerced. Our
    // schemas are not checked against JSON Schema's own at start: compiling that meta-schema was
    // 40 ms of the first request (TypeBox writes the schemas, and the tests run every route).
    ajv: {
      customOptions: {
        coerceTypes: false,
        allErrors: true,
        removeAdditional: false,
        useDefaults: false,
        validateSchema: false,
      },
    },
    schemaController: lazySchemaCompilers,
    return503OnClosing: true,
    trustProxy: services.config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('services', services);

  // An empty body with a JSON content type (curl -X POST ... -H 'Content-Type: application/json')
  // means "no parameters", as it does for POSTs that take none.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });
  // The API speaks JSON only: a text body is a malformed request, not a string parameter.
  app.removeContentTypeParser('text/plain');
  // The hooks every request runs are plain callbacks: an async hook costs a promise and a turn
  // of the microtask queue each, on every request.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body !== undefined || (request.method !== 'POST' && request.method !== 'PATCH')) return done();
    // A multipart upload is read by its route, as a stream; only the File routes accept one, so
    // `isMultipart` exists only there.
    if (request.isMultipart?.()) return done();
    const sentBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (sentBody) return done(notJson());
    // No body at all is no parameters, so a create names each missing field.
    request.body = {};
    done();
  });

  const logRequest = accessLog(logger);
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply);
    done();
  });
  // Set when the request arrives, so that every answer carries it, errors included.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  writeAnswersPerTurn(app);
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Onboard API',
        version: '0.1.0',
        description: "Hosted onboarding with an API compatible with Increase's Entity Onboarding Sessions.",
      },
      servers: [{ url: services.config.publicUrl }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
  });

  await app.register(async (api) => {
    requireApiKey(api);
    await api.register(entityOnboardingSessionRoutes);
    await api.register(programRoutes);
    await api.register(entityRoutes);
    await api.register(beneficialOwnerRoutes);
    await api.register(fileRoutes);
    await api.register(supplementalDocumentRoutes);
    await api.register(eventRoutes);
    await api.register(eventSubscriptionRoutes);
  });

  await app.register(onboardingRoutes, { prefix: '/onboarding' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
