import fp from 'fastify-plugin';
import type { FastifyPluginAsync, onRequestHookHandler, RouteOptions } from 'fastify';
import { bearerToken, type TokenRegistry } from '../auth.js';
import { AppError } from '../errors.js';
import { hookList } from './route-hooks.js';

/** Where the API explorer lives; its pages and assets need no token. */
export const DOCS_PREFIX = '/docs';

/**
 * Every route registered after this plugin (the app registers it before any route) needs a
 * gateway token unless its config says `public: true` or it belongs to the API explorer. The
 * check is attached to each route as it is registered, not run as a global hook that asks every
 * request whether its route is public: Fastify builds a fresh `routeOptions` object each time
 * that is asked. Unknown routes (404) need no token.
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
    if (route.config?.public || isDocs(route.url)) return;
    route.onRequest = [authenticate, ...hookList(route.onRequest)];
  });
};

function isDocs(url: string): boolean {
  return url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`);
}

export const authPlugin = fp(plugin, { name: 'meterway-auth' });
