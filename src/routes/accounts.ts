import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { AccountCreate, AccountPatch, AccountView } from '../schemas/account.js';
import { integrationsTable } from './integrations-doc.js';
import { viewOf } from '../accounts.js';
import { AppError } from '../errors.js';
import { AccountExistsError } from '../store/account-store.js';
import { errorResponses } from './shared.js';
import { Capabilities, capabilitiesOf } from '../capabilities.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const accountRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (root, { deps }) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { rules } = deps;
  const store = deps.accounts;
  const notFound = (id: string) =>
    new AppError('account_not_found', `No integrated account "${id}" for this token.`, { details: { id } });

  app.post(
    '/integrated-accounts',
    {
      schema: {
        tags: ['integrated accounts'],
        summary: 'Connect a vendor account',
        description: `Credentials are write-only: they are encrypted at rest and shown only as a masked hint.\n\n${integrationsTable(deps.connectors)}`,
        body: AccountCreate,
        response: { 201: AccountView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const account = rules.newAccount(request.tenant, request.body);
      try {
        await store.create(account);
      } catch (err) {
        if (err instanceof AccountExistsError) {
          throw new AppError(
            'invalid_body',
            `An integrated account with id "${account.id}" already exists.`,
            {
              details: { parameter: 'id' },
            },
          );
        }
        throw err;
      }
      request.log.info({ account: account.id, integration: account.integration }, 'account created');
      return reply.status(201).send(viewOf(account));
    },
  );

  app.get(
    '/integrated-accounts',
    {
      schema: {
        tags: ['integrated accounts'],
        summary: "List this tenant's accounts",
        response: {
          200: Type.Object({ result: Type.Array(AccountView), result_count: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const list = await store.list(request.tenant);
      return { result: list.map(viewOf), result_count: list.length };
    },
  );

  app.get(
    '/integrated-accounts/:id',
    {
      schema: {
        tags: ['integrated accounts'],
        summary: 'Read one account',
        params: IdParams,
        response: { 200: AccountView, ...errorResponses },
      },
    },
    async (request) => {
      const account = await store.get(request.tenant, request.params.id);
      if (!account) throw notFound(request.params.id);
      return viewOf(account);
    },
  );

  app.get(
    '/integrated-accounts/:id/capabilities',
    {
      schema: {
        tags: ['integrated accounts'],
        summary: 'Which report types and parameters this account supports',
        params: IdParams,
        response: { 200: Capabilities, ...errorResponses },
      },
    },
    async (request) => {
      const account = await store.get(request.tenant, request.params.id);
      if (!account) throw notFound(request.params.id);
      return capabilitiesOf(account, deps.connectors.get(account.integration));
    },
  );

  app.patch(
    '/integrated-accounts/:id',
    {
      schema: {
        tags: ['integrated accounts'],
        summary: 'Change name, status, context or rotate credentials',
        description: 'Credential fields given replace the stored ones field by field; others are kept.',
        params: IdParams,
        body: AccountPatch,
        response: { 200: AccountView, ...errorResponses },
      },
    },
    async (request) => {
      const account = await store.get(request.tenant, request.params.id);
      if (!account) throw notFound(request.params.id);
      const next = rules.patched(account, request.body);
      if (!(await store.update(next))) throw notFound(request.params.id);
      return viewOf(next);
    },
  );

  app.delete(
    '/integrated-accounts/:id',
    {
      schema: {
        tags: ['integrated accounts'],
        summary: 'Disconnect an account and forget its credentials',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!(await store.delete(request.tenant, request.params.id))) throw notFound(request.params.id);
      return reply.status(204).send(null);
    },
  );
};
