import { randomUUID } from 'node:crypto';
import Fastify, { type onResponseHookHandler, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Redis, Cluster } from 'ioredis';
import type { Config } from './config.js';
import type { TokenRegistry } from './auth.js';
import type { AccountStore } from './store/account-store.js';
import type { ConnectorRegistry } from './engine/registry.js';
import type { UsageService } from './engine/usage-service.js';
import type { AccountRules } from './accounts.js';
import { AppError, ErrorEnvelope } from './errors.js';
import { handleError } from './http/errors.js';
import { parseQueryString } from './http/query.js';
import { Metrics } from './http/metrics.js';
import { authPlugin, DOCS_PREFIX } from './http/auth-hook.js';
import { healthRoutes } from './routes/health.js';
import { accountRoutes } from './routes/accounts.js';
import { usageRoutes } from './routes/usage.js';
import { listRoutes } from './routes/lists.js';
import { Organization, Product, Workspace } from './schemas/lists.js';
import { docsRoutes } from './routes/docs.js';
import { uiRoutes } from './routes/ui.js';
import { logRedactPaths } from './http/redact.js';
import { credentialHeaderNames } from './engine/request/auth.js';
import { BatchedLogDestination } from './http/log-destination.js';
import { AccessLog, LazyChildLogger } from './http/access-log.js';
import { UsageRow } from './schemas/usage.js';
import { hookList } from './http/route-hooks.js';

export interface AppDeps {
  config: Config;
  tokens: TokenRegistry;
  accounts: AccountStore;
  connectors: ConnectorRegistry;
  usage: UsageService;
  rules: AccountRules;
  redis?: Redis | Cluster | undefined;
  metrics?: Metrics;
  /** pino options or false; defaults to the configured level, redaction and `logStream`. */
  logger?: boolean | object;
  /** Where the default logger writes; standard output, buffered, when absent. */
  logStream?: DestinationStream | undefined;
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const ownStream = deps.logger === undefined && !deps.logStream ? new BatchedLogDestination() : undefined;
  try {
    return await assembleApp(deps, ownStream);
  } catch (err) {
    // A half-built app never closes: release the log destination (and its exit hook) here.
    ownStream?.close();
    throw err;
  }
}

async function assembleApp(
  deps: AppDeps,
  ownStream: BatchedLogDestination | undefined,
): Promise<FastifyInstance> {
  const accessLog = new AccessLog();
  const logStream = deps.logStream ?? ownStream;
  const app = Fastify({
    logger: deps.logger ?? {
      level: deps.config.logLevel,
      redact: {
        paths: logRedactPaths(deps.connectors.all().flatMap((c) => credentialHeaderNames(c.spec))),
        censor: '[redacted]',
      },
      stream: logStream,
    },
    logController: accessLog,
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options),
    // Path parameters as long as the ids the API accepts (account ids go up to 128 characters;
    // the router's default of 100 answered longer ones outside the error envelope).
    routerOptions: { querystringParser: parseQueryString, maxParamLength: 256 },
    // The router's own refusals (an overlong or badly encoded path) in the one envelope too.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      handleError(
        new AppError(
          'invalid_parameter',
          tooLong
            ? 'A path segment is longer than 256 characters; ids are at most 128.'
            : 'The URL is not valid: a path or query component is badly encoded.',
          { details: { parameter: 'path' } },
        ),
        request,
        reply,
      );
    },
    // Honour a caller's request id so one id follows a request across services, but only a
    // well-formed one: it is echoed into headers and logs.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: {
      customOptions: { coerceTypes: 'array', allErrors: true, removeAdditional: false, useDefaults: true },
    },
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Our own logger configuration: its access lines can be written without pino (see AccessLog).
  if (deps.logger === undefined && logStream) {
    accessLog.writeTo({ logger: app.log as unknown as PinoLogger, stream: logStream });
  }
  if (ownStream) app.addHook('onClose', async () => ownStream.close());
  const metrics = deps.metrics ?? new Metrics();
  app.decorate('deps', deps);
  app.decorate('metrics', metrics);
  app.addSchema(ErrorEnvelope);
  app.addSchema(UsageRow);
  for (const schema of [Product, Organization, Workspace]) app.addSchema(schema);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    reply.raw.once('finish', () =>
      metrics.requests.record('unmatched', request.method, reply.statusCode, reply.elapsedTime),
    );
    reply.status(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `No route ${request.method} ${request.url.split('?')[0]}. See /docs for the routes.`,
      code: 'not_found',
    });
  });

  // Callback-style hooks: they run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // Request metrics are recorded by a hook attached to each route as it is registered, which knows
  // its route's path; a global hook would ask `request.routeOptions`, which Fastify builds afresh
  // on every read. Unknown routes are counted by the not-found handler.
  app.addHook('onRoute', (route) => {
    const label = route.url;
    const record: onResponseHookHandler = (request, reply, done) => {
      metrics.requests.record(label, request.method, reply.statusCode, reply.elapsedTime);
      done();
    };
    route.onResponse = [...hookList(route.onResponse), record];
  });

  // Before any route, so that every route registered after it, wherever, gets the token check
  // unless it is public (see the plugin).
  await app.register(authPlugin, { tokens: deps.tokens });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'meterway',
        version: '0.1.0',
        description:
          'Self-hostable unified usage-metering API gateway: usage and cost of AI and developer tools in one schema.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A gateway token' } },
      },
      security: [{ bearerAuth: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list' } });
  await app.register(healthRoutes, { deps, metrics });
  await app.register(docsRoutes);
  await app.register(uiRoutes);
  await app.register(accountRoutes, { deps });
  await app.register(usageRoutes, { deps });
  await app.register(listRoutes, { deps });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
    metrics: Metrics;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a gateway token. */
    public?: boolean;
  }
  interface FastifyRequest {
    tenant: string;
  }
}
