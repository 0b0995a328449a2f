import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { ARRAY_PARAMS, UsageQuery } from '../schemas/usage-query.js';
import { splitListParams } from '../http/query.js';
import { toUsageRequest } from '../engine/usage-request.js';
import { errorResponses } from './shared.js';
import { integrationsTable } from './integrations-doc.js';
import { sendNdjson } from '../http/ndjson.js';

const UsageList = Type.Object({
  result: Type.Union([Type.Array(Type.Ref('UsageRow')), Type.Record(Type.String(), Type.Ref('UsageRow'))], {
    description:
      'Usage rows; an object keyed by `truto_key_by` when given; vendor bodies for `raw`; flat rows for `normalized`.',
  }),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as next_cursor for the next page; null on the last.',
  }),
  result_count: Type.Integer(),
  is_partial_response: Type.Optional(
    Type.Boolean({
      description:
        'The per-request upstream budget ran out before the page was full; continue with next_cursor.',
    }),
  ),
  debug: Type.Optional(
    Type.Unknown({ description: 'Upstream call details (format debug), credentials redacted.' }),
  ),
});

export const usageRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (root, { deps }) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/unified/usage-metering/usage',
    {
      schema: {
        tags: ['usage metering'],
        summary: 'List usage and cost in the unified schema',
        description: `One endpoint for every integration. Page with next_cursor; ratelimit-* headers carry the vendor rate-limit state. With truto_response_format=stream the answer is NDJSON, one row per line.\n\nThe report types of each integration (a report type an account cannot serve answers 400 naming those it can):\n\n${integrationsTable(deps.connectors)}`,
        querystring: UsageQuery,
        response: { 200: UsageList, ...errorResponses },
      },
      // Comma lists become arrays before validation, so `a=x,y` validates like `a=x&a=y`.
      preValidation: async (request) => {
        splitListParams(request.query as Record<string, unknown>, ARRAY_PARAMS);
      },
    },
    async (request, reply) => {
      const answer = await deps.usage.answer({
        tenant: request.tenant,
        request: toUsageRequest(request.query),
        log: request.log,
      });
      reply.headers(answer.headers);
      if (answer.kind === 'stream') {
        await sendNdjson(reply, answer.chunks, request.log);
        return reply;
      }
      return reply.status(200).type('application/json; charset=utf-8').send(answer.body);
    },
  );
};
