import t from 'tap';
import { readFile } from 'node:fs/promises';
import { ENV_SCHEMA, loadConfig, ConfigError } from '../../src/config.js';

t.test('the README documents every configuration variable', async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  for (const name of Object.keys(ENV_SCHEMA.properties)) {
    t.match(readme, new RegExp(`^\\| \`${name}\` +\\|`, 'm'), `${name} is in the configuration table`);
  }
});

t.test('bad values stop start-up naming the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), ConfigError);
  t.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  t.throws(() => loadConfig({ METERWAY_TOKENS: 'acme' }), /METERWAY_TOKENS/);
  t.throws(() => loadConfig({ METERWAY_TOKENS: 'acme:short' }), /METERWAY_TOKENS/);
  t.throws(() => loadConfig({ METERWAY_SANDBOX: 'yes' }), /METERWAY_SANDBOX/);
  t.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL/);
});

t.test('defaults and sandbox rule', async (t) => {
  const bare = loadConfig({});
  t.equal(bare.port, 3000);
  t.equal(bare.host, '127.0.0.1');
  t.equal(bare.sandbox, true, 'sandbox by default when nobody configured tokens');
  const withTokens = loadConfig({ METERWAY_TOKENS: 'acme:0123456789abcdef0123,globex:abcdefabcdefabcdef01' });
  t.equal(withTokens.sandbox, false, 'no sandbox by default once tokens are set');
  t.same(
    withTokens.tokens.map((x) => x.tenant),
    ['acme', 'globex'],
  );
  t.equal(
    loadConfig({ METERWAY_TOKENS: 'acme:0123456789abcdef0123', METERWAY_SANDBOX: 'true' }).sandbox,
    true,
  );
});
