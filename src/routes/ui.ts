import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/** Where the dashboard lives; its static files need no token (the page asks for one). */
export const UI_PREFIX = '/ui';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** src/ui beside this module under tsx; from dist/src/routes, the source tree's src/ui. */
function assetsDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../ui'), path.resolve(here, '../../../src/ui')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

/**
 * The usage dashboard: static files read once at start, served from memory. The page calls the
 * public API with the token its user types in, like any other client.
 */
export const uiRoutes: FastifyPluginAsync = async (app) => {
  const dir = assetsDir();
  const files = new Map<string, { type: string; body: Buffer }>();
  if (dir) {
    for (const name of await readdir(dir)) {
      const type = TYPES[path.extname(name)];
      if (type) files.set(name, { type, body: await readFile(path.join(dir, name)) });
    }
  }
  const opts = { config: { public: true }, schema: { hide: true } } as const;
  const send = (name: string) => files.get(name);

  app.get(UI_PREFIX, opts, async (_request, reply) => reply.redirect(`${UI_PREFIX}/`));
  app.get<{ Params: { file: string } }>(`${UI_PREFIX}/:file`, opts, async (request, reply) => {
    const file = send(request.params.file || 'index.html');
    if (!file) {
      return reply.status(404).send({
        statusCode: 404,
        error: 'Not Found',
        message: dir
          ? `No dashboard file ${request.params.file}.`
          : 'The dashboard files (src/ui) are not installed with this gateway.',
        code: 'not_found',
      });
    }
    return reply
      .type(file.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(file.body);
  });
};
