import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import { bearerToken, type TokenRegistry } from '../auth.js';
import { AppError } from '../errors.js';

/** Every route needs a gateway token unless its config says `public: true`. */
const plugin: FastifyPluginAsync<{ tokens: TokenRegistry }> = async (app, opts) => {
  app.decorateRequest('tenant', '');
  // Callback style, as it runs on every request: an async hook costs a promise each time.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config.public || request.is404 || request.url.startsWith('/docs')) return done();
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      return done(
        new AppError('unauthorized', 'Missing gateway token: send "Authorization: Bearer <token>".'),
      );
    }
    const tenant = opts.tokens.tenantOf(token);
    if (!tenant) return done(new AppError('unauthorized', 'The gateway token is not valid.'));
    request.tenant = tenant;
    done();
  });
};
export const authPlugin = fp(plugin, { name: 'meterway-auth' });
