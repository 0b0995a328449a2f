import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import { bearerToken, type TokenRegistry } from '../auth.js';
import { AppError } from '../errors.js';

/** Every route needs a gateway token unless its config says `public: true`. */
const plugin: FastifyPluginAsync<{ tokens: TokenRegistry }> = async (app, opts) => {
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public || request.is404) return;
    if (request.url.startsWith('/docs')) return;
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw new AppError('unauthorized', 'Missing gateway token: send "Authorization: Bearer <token>".');
    }
    const tenant = opts.tokens.tenantOf(token);
    if (!tenant) throw new AppError('unauthorized', 'The gateway token is not valid.');
    request.tenant = tenant;
  });
};
export const authPlugin = fp(plugin, { name: 'meterway-auth' });
