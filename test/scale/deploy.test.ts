import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { ENV_SCHEMA } from '../../src/config.js';
import { PROJECT_ROOT } from '../../src/runtime.js';

// The deployment files are checked statically (no cluster, no Docker engine, no schema downloads):
// each parses, has the fields its kind requires, and the pieces refer to each other correctly.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read as plain data
type Doc = any;

const DOCKER = path.join(PROJECT_ROOT, 'docker');
const K8S = path.join(DOCKER, 'k8s');

async function parseAll(file: string): Promise<Doc[]> {
  const docs = YAML.parseAllDocuments(await readFile(file, 'utf8'));
  for (const d of docs) if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

const API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  Secret: 'v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
};

const files = (await readdir(K8S)).filter((f) => f.endsWith('.yaml')).sort();
const manifests: { file: string; doc: Doc }[] = [];
for (const file of files)
  for (const doc of await parseAll(path.join(K8S, file))) manifests.push({ file, doc });
const ofKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const named = (kind: string, name: string) => ofKind(kind).find((d) => d.metadata?.name === name);
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

t.test('every manifest has a known kind, its apiVersion and a name', async (t) => {
  t.ok(manifests.length >= 7, `${manifests.length} manifests`);
  for (const { file, doc } of manifests) {
    t.ok(API_VERSIONS[doc.kind], `${file}: kind ${doc.kind} is one we know`);
    t.equal(doc.apiVersion, API_VERSIONS[doc.kind], `${file}: ${doc.kind} apiVersion`);
    if (doc.kind !== 'Kustomization')
      t.match(doc.metadata?.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${file}: name`);
  }
  for (const kind of ['Deployment', 'Service', 'Secret', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
    t.ok(named(kind, 'meterway'), `a ${kind} named meterway`);
  }
  const kustomization = ofKind('Kustomization')[0];
  t.same(
    [...kustomization.resources].sort(),
    files.filter((f) => f !== 'kustomization.yaml'),
    'the kustomization lists every manifest file',
  );
});

t.test('every Deployment: selector matches its pods, containers have images and ports', async (t) => {
  for (const d of ofKind('Deployment')) {
    const name = d.metadata.name;
    t.ok(labelsMatch(d.spec.selector.matchLabels, d.spec.template.metadata.labels), `${name}: selector`);
    const containers = d.spec.template.spec.containers as Doc[];
    t.ok(containers.length > 0, `${name}: containers`);
    for (const c of containers) {
      t.type(c.name, 'string');
      t.type(c.image, 'string', `${name}/${c.name}: image`);
      t.ok(
        c.ports?.every((p: Doc) => Number.isInteger(p.containerPort)),
        `${name}/${c.name}: ports`,
      );
      t.ok(c.readinessProbe && c.livenessProbe, `${name}/${c.name}: probes`);
    }
  }
});

t.test(
  'the gateway: probes on /readyz and /healthz, settings from config, secrets from the Secret',
  async (t) => {
    const d = named('Deployment', 'meterway');
    const c = d.spec.template.spec.containers[0];
    const port = c.ports.find((p: Doc) => p.name === 'http');
    t.equal(port?.containerPort, 3000);
    t.match(c.readinessProbe, { httpGet: { path: '/readyz', port: 'http' } }, 'readiness on /readyz');
    t.match(c.livenessProbe, { httpGet: { path: '/healthz', port: 'http' } }, 'liveness on /healthz');
    t.ok(c.resources?.requests?.cpu, 'a CPU request, which the autoscaler measures against');
    const env = new Map<string, Doc>(c.env.map((e: Doc) => [e.name, e]));
    for (const name of env.keys())
      t.ok(name in ENV_SCHEMA.properties, `${name} is a setting the gateway reads`);
    t.equal(env.get('HOST')?.value, '0.0.0.0');
    t.equal(env.get('METERWAY_SANDBOX')?.value, 'false');
    const secret = named('Secret', 'meterway');
    for (const name of ['METERWAY_SECRET_KEY', 'METERWAY_CURSOR_KEY', 'METERWAY_TOKENS', 'REDIS_URL']) {
      const ref = env.get(name)?.valueFrom?.secretKeyRef;
      t.equal(ref?.name, 'meterway', `${name} comes from the Secret`);
      t.ok(ref && ref.key in secret.stringData, `${name}: the Secret has the key`);
    }
    const service = named('Service', 'meterway');
    t.ok(labelsMatch(service.spec.selector, d.spec.template.metadata.labels), 'the Service selects the pods');
    t.equal(service.spec.ports[0].targetPort, 'http');
    const pdb = named('PodDisruptionBudget', 'meterway');
    t.ok(
      labelsMatch(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels),
      'the PDB selects the pods',
    );
    t.ok(pdb.spec.minAvailable !== undefined || pdb.spec.maxUnavailable !== undefined, 'the PDB has a bound');
    const hpa = named('HorizontalPodAutoscaler', 'meterway');
    t.match(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'meterway' });
    t.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas >= hpa.spec.minReplicas, 'two replicas at least');
    t.ok(hpa.spec.minReplicas > pdb.spec.minAvailable, 'a disruption can always take one pod');
    t.match(hpa.spec.metrics[0], { type: 'Resource', resource: { name: 'cpu' } });
    // The Secret's Redis URL names the Redis Service shipped beside it.
    const redisService = named('Service', 'meterway-redis');
    t.match(secret.stringData.REDIS_URL, new RegExp(`^redis://(.*@)?${redisService.metadata.name}:6379$`));
  },
);

t.test('compose: several replicas on one Redis behind the load balancer', async (t) => {
  const [compose] = await parseAll(path.join(DOCKER, 'compose.yaml'));
  const { redis, gateway, lb } = compose.services;
  t.ok(redis && gateway && lb, 'redis, gateway and lb services');
  t.ok(gateway.deploy.replicas >= 2, `${gateway.deploy.replicas} gateway replicas`);
  t.equal(gateway.environment.REDIS_URL, 'redis://redis:6379');
  for (const name of Object.keys(gateway.environment))
    t.ok(name in ENV_SCHEMA.properties, `${name} is a setting`);
  for (const name of ['METERWAY_SECRET_KEY', 'METERWAY_CURSOR_KEY', 'METERWAY_TOKENS']) {
    t.match(gateway.environment[name], /^\$\{[A-Z_]+:\?/, `${name} must be supplied, not committed`);
  }
  t.equal(gateway.ports, undefined, 'replicas publish no ports: callers go through the load balancer');
  t.match(gateway.healthcheck.test.join(' '), /\/readyz/, 'a replica is healthy only when ready');
  t.equal(gateway.depends_on.redis.condition, 'service_healthy');
  t.equal(lb.depends_on.gateway.condition, 'service_healthy');
  t.same(lb.ports, ['8080:80']);
  const mount = (lb.volumes as string[]).find((v) => v.endsWith(':/etc/nginx/nginx.conf:ro'));
  t.ok(mount, 'the nginx configuration is mounted');
  const nginx = await readFile(path.join(DOCKER, (mount as string).split(':')[0] as string), 'utf8');
  t.match(nginx, /upstream meterway \{[^}]*server gateway:3000 resolve/, 'nginx balances over the replicas');
  t.match(nginx, /proxy_pass http:\/\/meterway;/);
  t.match(nginx, /proxy_buffering off;/, 'streams are not buffered');
  const opens = (nginx.match(/\{/g) ?? []).length;
  const closes = (nginx.match(/\}/g) ?? []).length;
  t.equal(opens, closes, 'nginx.conf braces balance');
  const dockerfile = await readFile(path.join(PROJECT_ROOT, gateway.build.dockerfile), 'utf8');
  t.match(dockerfile, /EXPOSE 3000/, 'the image the compose file builds serves on 3000');
});
