import type { MockAgent } from 'undici';
import { PageRunner } from '../../src/engine/runner.js';
import { UpstreamCaller } from '../../src/engine/upstream.js';
import { UpstreamHttp } from '../../src/engine/http.js';
import { MemoryResponseCache } from '../../src/engine/cache.js';
import { MemoryRateLimiter } from '../../src/engine/rate-limit.js';
import { SecretDigest } from '../../src/engine/secret-digest.js';
import type { ConnectorSpec } from '../../src/schemas/connector.js';

/**
 * The engine's real page runner over undici's MockAgent, for unit tests of the connector language:
 * its own cache and limiter, retries that never sleep, and the connector's declared hosts only.
 */
export function mockedRunner(spec: Pick<ConnectorSpec, 'allowed_hosts'>, agent: MockAgent): PageRunner {
  const digest = new SecretDigest('engine-rig-test-key');
  const caller = new UpstreamCaller(
    new UpstreamHttp(agent),
    new MemoryResponseCache(),
    new MemoryRateLimiter(),
    undefined,
    digest,
    async () => {},
  );
  return new PageRunner({ caller, digest, hostAllowedFor: (_s, h) => spec.allowed_hosts.includes(h) });
}
