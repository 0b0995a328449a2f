import type { FastifyPluginAsync } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { UsageQuery, type UsageQuery as UsageQueryT } from '../schemas/usage-query.js';
import { LIST_NAMES, type ListName } from '../schemas/lists.js';
import { splitListParams } from '../http/query.js';
import { toUsageRequest, type UsageRequest } from '../engine/usage-request.js';
import { integrationsWith } from '../engine/lists.js';
import { AppError } from '../errors.js';
import { errorResponses } from './shared.js';
import { sendNdjson } from '../http/ndjson.js';

/**
 * GET /unified/usage-metering/{products,organizations,workspaces}[/:id]: the other resources of
 * the Usage Metering API, answered by the usage engine from each connector's `lists` (the same
 * envelope, formats, truto_* options and signed cursors as usage). Their ids are those usage rows
 * carry, so a client joins `product.id`, `organization.id` and `resources[].workspace.id` to them.
 */

const P = UsageQuery.properties;
const LIST_PARAMS = {
  integrated_account_id: P.integrated_account_id,
  truto_response_format: P.truto_response_format,
  truto_key_by: P.truto_key_by,
  truto_ignore_limit: P.truto_ignore_limit,
  truto_ignore_remote_data: P.truto_ignore_remote_data,
  truto_exclude_fields: P.truto_exclude_fields,
  remote_query: P.remote_query,
  limit: P.limit,
  next_cursor: P.next_cursor,
  cursor: P.cursor,
};
const ListQuery = Type.Object(LIST_PARAMS, { additionalProperties: false });

const GET_FORMATS = ['unified', 'raw', 'normalized', 'debug'] as const;
const GetQuery = Type.Object(
  {
    integrated_account_id: P.integrated_account_id,
    truto_response_format: Type.Optional(
      Type.Unsafe<(typeof GET_FORMATS)[number]>(
        Type.Union(
          GET_FORMATS.map((f) => Type.Literal(f)),
          {
            description:
              'unified (default): the record; raw: the vendor record it was mapped from; normalized: the record as flat columns; debug: { result, debug }.',
          },
        ),
      ),
    ),
    truto_ignore_remote_data: P.truto_ignore_remote_data,
    truto_exclude_fields: P.truto_exclude_fields,
    remote_query: P.remote_query,
  },
  { additionalProperties: false },
);

const ARRAY_PARAMS = ['truto_exclude_fields'];

const SINGULAR: Record<ListName, string> = {
  products: 'product',
  organizations: 'organization',
  workspaces: 'workspace',
};
const REF: Record<ListName, string> = {
  products: 'Product',
  organizations: 'Organization',
  workspaces: 'Workspace',
};

/** One example record per resource, for the OpenAPI document. */
const EXAMPLES: Record<ListName, Record<string, unknown>> = {
  products: {
    id: 'code_assistant',
    name: 'Code assistant',
    description: 'Sessions, lines of code, commits, tokens and estimated cost of the coding agent',
    remote_data: { id: 'code_assistant', name: 'Code assistant' },
  },
  organizations: {
    id: '5f3c9a7e-2b41-4d8e-9c06-7a1e4b2d9f38',
    name: 'Northwind Robotics',
    remote_data: {
      id: '5f3c9a7e-2b41-4d8e-9c06-7a1e4b2d9f38',
      type: 'organization',
      name: 'Northwind Robotics',
    },
  },
  workspaces: {
    id: 'ws_01JwQvzr3kbJ1mGTqBvT7Ya9',
    name: 'Firmware',
    organization: { id: '5f3c9a7e-2b41-4d8e-9c06-7a1e4b2d9f38' },
    created_at: '2025-02-03T09:00:00.000Z',
    remote_data: { id: 'ws_01JwQvzr3kbJ1mGTqBvT7Ya9', type: 'workspace', name: 'Firmware' },
  },
};

function listResponse(list: ListName): TSchema {
  const ref = Type.Ref(REF[list]);
  return Type.Object(
    {
      result: Type.Union([Type.Array(ref), Type.Record(Type.String(), ref)], {
        description: `${REF[list]} records; an object keyed by \`truto_key_by\` when given; vendor bodies for \`raw\`; flat records for \`normalized\`.`,
      }),
      next_cursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as next_cursor for the next page; null on the last.',
      }),
      result_count: Type.Integer(),
      is_partial_response: Type.Optional(Type.Boolean()),
      debug: Type.Optional(Type.Unknown({ description: 'Upstream call details (format debug).' })),
    },
    { example: { result: [EXAMPLES[list]], next_cursor: null, result_count: 1 } },
  );
}

export const listRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (root, { deps }) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const preValidation = async (request: { query: unknown }) => {
    splitListParams(request.query as Record<string, unknown>, ARRAY_PARAMS);
  };
  for (const list of LIST_NAMES) {
    const servedBy = integrationsWith(deps.connectors, list);
    const who = servedBy.map((s) => `\`${s}\``).join(', ') || 'none yet';
    /** A list request for the engine: the usage request's options, the list named in its query hash. */
    const requestFor = (q: UsageQueryT, id?: string): UsageRequest => {
      const req = toUsageRequest(q);
      req.list = list;
      req.listServedBy = servedBy;
      // The cursor is bound to the list (and the id) as well as the query.
      req.query = { ...q, resource: list, ...(id === undefined ? {} : { id }) } as UsageQueryT;
      if (id !== undefined) req.filters.ids = [id];
      return req;
    };

    app.get(
      `/unified/usage-metering/${list}`,
      {
        schema: {
          tags: ['usage metering'],
          summary: `List ${list}`,
          description: `The ${list} of the integrated account, with the ids usage rows carry (join them to \`${list === 'workspaces' ? 'resources[].workspace.id' : `${SINGULAR[list]}.id`}\`). Same envelope, formats, truto_* options and cursors as usage. Integrations with ${list}: ${who}; others answer 400.`,
          querystring: ListQuery,
          response: { 200: listResponse(list), ...errorResponses },
        },
        preValidation,
      },
      async (request, reply) => {
        const answer = await deps.usage.answer({
          tenant: request.tenant,
          request: requestFor(request.query as UsageQueryT),
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

    app.get(
      `/unified/usage-metering/${list}/:id`,
      {
        schema: {
          tags: ['usage metering'],
          summary: `Get one ${SINGULAR[list]}`,
          description: `One ${SINGULAR[list]} by its id (the id usage rows carry). Integrations with ${list}: ${who}; others answer 400; an id the vendor does not list answers 404.`,
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) }),
          querystring: GetQuery,
          response: {
            200: Type.Union([Type.Ref(REF[list]), Type.Unknown()], { example: EXAMPLES[list] }),
            ...errorResponses,
          },
        },
        preValidation,
      },
      async (request, reply) => {
        const { id } = request.params;
        const q = request.query;
        const format = q.truto_response_format ?? 'unified';
        // Read the list page by page (one record a page: stops where the id is found).
        let cursor: string | undefined;
        for (;;) {
          const query = {
            ...q,
            truto_response_format: format === 'raw' ? 'unified' : format,
            limit: 1,
            ...(cursor === undefined ? {} : { next_cursor: cursor }),
          } as UsageQueryT;
          const answer = await deps.usage.answer({
            tenant: request.tenant,
            request: requestFor(query, id),
            log: request.log,
          });
          if (answer.kind !== 'body') throw new Error('a get is never streamed');
          const body = JSON.parse(answer.body.toString('utf8')) as {
            result: Record<string, unknown>[];
            next_cursor: string | null;
            debug?: unknown;
          };
          const found = body.result[0];
          if (found !== undefined) {
            reply.headers(answer.headers);
            const out =
              format === 'raw'
                ? (found.remote_data ?? null)
                : format === 'debug'
                  ? { result: found, debug: body.debug }
                  : found;
            return reply.status(200).type('application/json; charset=utf-8').send(JSON.stringify(out));
          }
          if (!body.next_cursor) break;
          cursor = body.next_cursor;
        }
        throw new AppError('not_found', `No ${SINGULAR[list]} "${id}" in this account's ${list}.`, {
          details: { resource: list, id },
        });
      },
    );
  }
};
