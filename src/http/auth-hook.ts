import fp from 'fastify-plugin';
import type { FastifyPluginAsync, onRequestHookHandler, RouteOptions } from 'fastify';
import { bearerToken, type TokenRegistry } from '../auth.js';
import { AppError } from '../errors.js';
import { hookList } from './route-hooks.js';

/**
 * Every route registered after this plugin needs a gateway token unless its config says
 * `public: true`. The check is attached to each route as it is registered, not run as a global
 * hook that asks every request whether its route is public: Fastify builds a fresh
 * `routeOptions` object each time that is asked. Routes registered before (the API explorer
 * under /docs) and unknown routes (404) need no token.
 */
const plugin: FastifyPluginAsync<{ tokens: TokenRegistry }> = async (app, opts) => {
  app.decorateRequest('tenant', '');
  // Callback style, as it runs on every request: an async hook costs a promise each time.
  const authenticate: onRequestHookHandler = (request, _reply, done) => {
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
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.public || route.url.startsWith('/docs')) return;
    route.onRequest = [authenticate, ...hookList(route.onRequest)];
  });
};

export const authPlugin = fp(plugin, { name: 'meterway-auth' });
