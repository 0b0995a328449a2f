import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../app.js';
import type { Metrics } from '../http/metrics.js';
import { AppError } from '../errors.js';
import { errorResponses } from './shared.js';

export const healthRoutes: FastifyPluginAsync<{ deps: AppDeps; metrics: Metrics }> = async (
  app,
  { deps, metrics },
) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the account store (and Redis when configured) answers',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ready') }), ...errorResponses },
      },
    },
    async () => {
      // A replica that has lost Redis leaves the pool at once (a ping would wait for its timeout).
      if (deps.redis && deps.redis.status !== 'ready') {
        throw new AppError('not_ready', `Not ready: Redis is not connected (${deps.redis.status}).`);
      }
      try {
        await deps.accounts.ping();
        if (deps.redis) await deps.redis.ping();
      } catch (err) {
        throw new AppError('not_ready', `Not ready: ${(err as Error).message}`);
      }
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/whoami',
    {
      schema: {
        tags: ['operations'],
        summary: 'The tenant of the presented token (a cheap authenticated check)',
        response: { 200: Type.Object({ tenant: Type.String() }), ...errorResponses },
      },
    },
    async (request) => ({ tenant: request.tenant }),
  );

  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        security: [],
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
