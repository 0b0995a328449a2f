/**
 * The conformance suite's view of the connectors: which ones to test (found by folder, never by
 * name), the data each one declares in `connectors/<slug>/conformance.yaml`, and a rig per
 * connector (its emulator on loopback plus a real gateway holding the sandbox accounts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConnectorRegistry, type Connector } from '../../src/engine/registry.js';
import { pointAtEmulator, type EmulatorModule, type SandboxAccountSpec } from '../../src/sandbox.js';
import { startGateway, TOKENS, type CallResult, type TestGateway } from '../helpers/gateway.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CONNECTORS_DIR = path.join(ROOT, 'connectors');

const Str = Type.String({ minLength: 1 });
const Route = Type.Object(
  { method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]), path: Str },
  { additionalProperties: false },
);
/** A knob patch: JSON sent to the control route; a string '{name}' is replaced by a number. */
const Knobs = Type.Record(Type.String(), Type.Unknown());
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const ConformanceSpec = Type.Object(
  {
    now: Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}T',
      description: 'Clock of the emulator and the gateway',
    }),
    range: Type.Object(
      { start_date: Day, end_date: Day },
      { additionalProperties: false, description: 'A range with rows for every supported report' },
    ),
    more_rows_than: Type.Optional(
      Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
        description: 'Report types that hold more rows than this in the range, on every account',
      }),
    ),
    accounts: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Str,
            name: Str,
            credentials: Type.Optional(Type.Record(Type.String(), Type.String())),
            credentials_of: Type.Optional(Type.Array(Str, { minItems: 1 })),
            context: Type.Optional(Type.Record(Type.String(), Type.String())),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    faults: Type.Object(
      {
        account: Str,
        query: Str,
        loop_query: Str,
        raw_response: Type.Optional(
          Type.Object(
            { rate_limit: Type.Optional(Type.Unknown()), server_error: Type.Optional(Type.Unknown()) },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    controls: Type.Optional(
      Type.Object(
        {
          set: Type.Optional(Route),
          reset: Type.Optional(Route),
          requests: Type.Optional(
            Type.Object(
              { method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]), path: Str, field: Str },
              { additionalProperties: false },
            ),
          ),
          knobs: Type.Optional(
            Type.Object(
              {
                rate_limit: Type.Optional(Knobs),
                server_error: Type.Optional(Knobs),
                malformed: Type.Optional(Knobs),
                delay: Type.Optional(Knobs),
                loop_cursor: Type.Optional(Knobs),
              },
              { additionalProperties: false },
            ),
          ),
        },
        {
          additionalProperties: false,
          description: "Where the emulator's fault control route differs from the emulator kit's",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConformanceSpec = Static<typeof ConformanceSpec>;
type KnobPatch = Record<string, unknown>;
export type Fault = 'rate_limit' | 'server_error' | 'malformed' | 'delay' | 'loop_cursor';
export interface ControlProtocol {
  set: { method: 'GET' | 'POST'; path: string };
  reset: { method: 'GET' | 'POST'; path: string };
  requests: { method: 'GET' | 'POST'; path: string; field: string };
  knobs: Record<Fault, KnobPatch>;
}

/**
 * The emulator kit's control route (src/emulator-kit: `POST /__emulator/controls` with the fault
 * knobs, `POST /__emulator/reset`, `GET /__emulator/stats`): what an emulator speaks, except for
 * the parts its conformance.yaml declares under `controls`.
 */
export const KIT_CONTROLS: ControlProtocol = {
  set: { method: 'POST', path: '/__emulator/controls' },
  reset: { method: 'POST', path: '/__emulator/reset' },
  requests: { method: 'GET', path: '/__emulator/stats', field: 'requests' },
  knobs: {
    rate_limit: { fail429: '{count}', retryAfterSeconds: '{retry_after_s}' },
    server_error: { fail5xx: '{count}' },
    malformed: { malformed: '{count}' },
    delay: { delayMs: '{ms}' },
    loop_cursor: { loopPaging: true },
  },
};

/** The kit's protocol with whatever a conformance.yaml overrides (a route, or one fault's knobs). */
export function controlProtocol(spec: ConformanceSpec): ControlProtocol {
  const own = spec.controls ?? {};
  return {
    set: own.set ?? KIT_CONTROLS.set,
    reset: own.reset ?? KIT_CONTROLS.reset,
    requests: own.requests ?? KIT_CONTROLS.requests,
    knobs: { ...KIT_CONTROLS.knobs, ...own.knobs } as Record<Fault, KnobPatch>,
  };
}

export interface ConnectorCase {
  slug: string;
  connector: Connector;
  /** Undefined when the file is missing or invalid; `problem` says why. */
  spec: ConformanceSpec | undefined;
  problem: string | undefined;
  emulatorFile: string;
}

/**
 * Every implemented connector (connector.yaml with resources and reports) that has an emulator,
 * with its conformance data. A connector missing conformance.yaml is listed with a problem, so the
 * suite fails for it instead of skipping it.
 */
export async function implementedConnectors(): Promise<ConnectorCase[]> {
  const registry = await ConnectorRegistry.load(CONNECTORS_DIR);
  const cases: ConnectorCase[] = [];
  for (const connector of registry.all()) {
    if (!connector.implemented || Object.keys(connector.spec.resources ?? {}).length === 0) continue;
    const emulatorFile = path.join(connector.dir, 'emulator', 'index.ts');
    if (!existsSync(emulatorFile)) continue;
    const slug = connector.spec.slug;
    const file = path.join(connector.dir, 'conformance.yaml');
    let spec: ConformanceSpec | undefined;
    let problem: string | undefined;
    if (!existsSync(file)) {
      problem = `connectors/${slug}/conformance.yaml is missing (see test/conformance/README.md)`;
    } else {
      const doc: unknown = parseYaml(await readFile(file, 'utf8'));
      const first = Value.Errors(ConformanceSpec, doc).First();
      if (first) problem = `connectors/${slug}/conformance.yaml#${first.path || '/'}: ${first.message}`;
      else spec = doc as ConformanceSpec;
    }
    cases.push({ slug, connector, spec, problem, emulatorFile });
  }
  return cases;
}

/** An account the rig connects, with every credential value it holds (for redaction checks). */
export interface RigAccount {
  id: string;
  credentials: Record<string, string>;
}

export interface Rig {
  slug: string;
  connector: Connector;
  spec: ConformanceSpec;
  gw: TestGateway;
  emulatorUrl: string;
  accounts: RigAccount[];
  /** GET the usage endpoint for an account with this query string. */
  usage(account: string, qs: string, tenant?: keyof typeof TOKENS): Promise<CallResult>;
  /** Every row of a query, page by page; throws on a non-200. */
  pageAll(account: string, qs: string): Promise<{ rows: Row[]; pages: number }>;
  /** The stream format's body as parsed lines. */
  stream(account: string, qs: string): Promise<{ status: number; contentType: string; lines: Row[] }>;
  /** Connects another account with the credentials of `like` (a fresh cache scope). */
  cloneAccount(like: string, id: string): Promise<void>;
  controls: Controls;
  /** A second gateway on the same emulator and accounts, with other settings. */
  otherGateway(env: Record<string, string>): Promise<Rig>;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are read freely
export type Row = any;

/** The emulator's fault knobs, driven over HTTP as its conformance.yaml describes. */
export interface Controls {
  set(fault: Fault, params?: Record<string, number | null>): Promise<void>;
  reset(): Promise<void>;
  /** Vendor requests the emulator has served since the last reset. */
  requests(): Promise<number>;
}

function fillKnobs(knobs: Record<string, unknown>, params: Record<string, number | null>): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(knobs)) {
    const m = typeof v === 'string' ? /^\{(\w+)\}$/.exec(v) : null;
    if (m) {
      const name = m[1] as string;
      if (!(name in params)) throw new Error(`knob ${k} needs the parameter ${name}`);
      out[k] = params[name];
    } else out[k] = v;
  }
  return out;
}

function httpControls(baseUrl: string, spec: ControlProtocol): Controls {
  const send = async (route: { method: string; path: string }, body?: unknown): Promise<unknown> => {
    const res = await fetch(new URL(route.path, baseUrl), {
      method: route.method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${route.method} ${route.path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    async set(fault, params = {}) {
      await send(spec.set, fillKnobs(spec.knobs[fault], params));
    },
    async reset() {
      await send(spec.reset, spec.reset.method === 'POST' ? {} : undefined);
    },
    async requests() {
      const body = (await send(spec.requests)) as Record<string, unknown>;
      const n = body[spec.requests.field];
      if (typeof n !== 'number')
        throw new Error(`${spec.requests.path} has no number ${spec.requests.field}`);
      return n;
    },
  };
}

/**
 * A pattern from a conformance file for `t.match`: '/…/' strings are regexes, other strings must
 * be equal (a plain string pattern would match any text containing it).
 */
export function pattern(value: unknown): unknown {
  if (typeof value === 'string') {
    const m = /^\/(.*)\/([a-z]*)$/.exec(value);
    return m
      ? new RegExp(m[1] as string, m[2])
      : new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
  if (Array.isArray(value)) return value.map(pattern);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pattern(v)]));
  }
  return value;
}

async function accountsOf(mod: EmulatorModule, spec: ConformanceSpec): Promise<SandboxAccountSpec[]> {
  const sandbox = mod.sandboxAccounts;
  const extra = (spec.accounts ?? []).map((a) => {
    const merged: Record<string, string> = {};
    for (const id of a.credentials_of ?? []) {
      const from = sandbox.find((s) => s.id === id);
      if (!from) throw new Error(`credentials_of: no sandbox account ${id}`);
      Object.assign(merged, from.credentials);
    }
    return {
      id: a.id,
      name: a.name,
      credentials: { ...merged, ...a.credentials },
      ...(a.context ? { context: a.context } : {}),
    };
  });
  return [...sandbox, ...extra];
}

/**
 * Starts the connector's emulator with its pinned clock and a gateway on the same clock holding
 * every sandbox account. One rig per connector per test file; tests share it.
 */
export async function startRig(c: ConnectorCase, env: Record<string, string> = {}): Promise<Rig> {
  if (!c.spec) throw new Error(c.problem);
  const spec = c.spec;
  const now = new Date(spec.now);
  const mod = (await import(pathToFileURL(c.emulatorFile).href)) as EmulatorModule;
  // The clock goes to the emulator too; an emulator whose data does not depend on it ignores it.
  const start = mod.emulator.start as (opts: {
    host: string;
    port: number;
    now: Date;
  }) => ReturnType<EmulatorModule['emulator']['start']>;
  const emu = await start({ host: '127.0.0.1', port: 0, now });
  const specs = await accountsOf(mod, spec);
  const controls = httpControls(emu.url, controlProtocol(spec));

  const build = async (extraEnv: Record<string, string>, owned: boolean): Promise<Rig> => {
    const gw = await startGateway({ METERWAY_SANDBOX: 'true', ...extraEnv }, { now: () => now });
    const connect = async (id: string, from: SandboxAccountSpec): Promise<void> => {
      const created = await gw.call('POST', '/integrated-accounts', {
        body: {
          id,
          integration: c.slug,
          name: from.name,
          credentials: from.credentials,
          context: pointAtEmulator(from.context, emu.url),
        },
      });
      if (created.status !== 201) throw new Error(`account ${id} not created: ${created.text}`);
    };
    for (const s of specs) await connect(s.id, s);
    const usage: Rig['usage'] = (account, qs, tenant) =>
      gw.call(
        'GET',
        `/unified/usage-metering/usage?integrated_account_id=${encodeURIComponent(account)}&${qs}`,
        tenant ? { tenant } : {},
      );
    const rig: Rig = {
      slug: c.slug,
      connector: c.connector,
      spec,
      gw,
      emulatorUrl: emu.url,
      accounts: specs.map((s) => ({ id: s.id, credentials: s.credentials })),
      usage,
      async pageAll(account, qs) {
        const rows: Row[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res = await usage(
            account,
            `${qs}${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          if (res.status !== 200)
            throw new Error(`${qs} page ${pages}: ${res.status} ${res.text.slice(0, 400)}`);
          rows.push(...res.body.result);
          cursor = res.body.next_cursor;
          pages++;
        } while (cursor);
        return { rows, pages };
      },
      async stream(account, qs) {
        const res = await gw.runtime.app.inject({
          method: 'GET',
          url: `/unified/usage-metering/usage?integrated_account_id=${encodeURIComponent(account)}&${qs}&truto_response_format=stream`,
          headers: { authorization: `Bearer ${TOKENS.acme}` },
        });
        const text = res.body.trimEnd();
        return {
          status: res.statusCode,
          contentType: String(res.headers['content-type'] ?? ''),
          lines: text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as Row),
        };
      },
      async cloneAccount(like, id) {
        const from = specs.find((s) => s.id === like);
        if (!from) throw new Error(`no account ${like} in the ${c.slug} rig`);
        await connect(id, from);
      },
      controls,
      otherGateway: (more) => build({ ...env, ...more }, false),
      async close() {
        await gw.close();
        if (owned) await emu.close();
      },
    };
    return rig;
  };
  return build(env, true);
}

/** The query string of a conformance range. */
export function rangeQuery(spec: ConformanceSpec): string {
  return `start_date=${spec.range.start_date}&end_date=${spec.range.end_date}`;
}

/** The report types an account supports, as its capabilities say. */
export async function supportedReports(rig: Rig, account: string): Promise<string[]> {
  const res = await rig.gw.call('GET', `/integrated-accounts/${encodeURIComponent(account)}/capabilities`);
  if (res.status !== 200) throw new Error(`capabilities of ${account}: ${res.status} ${res.text}`);
  return res.body.supported_report_types as string[];
}

/**
 * One subtest per implemented connector, with its rig started (and closed after it): a connector
 * whose conformance.yaml is missing or invalid fails there, never skipped.
 */
export function forEachConnector(cases: ConnectorCase[], body: (t: Test, rig: Rig) => Promise<void>): void {
  for (const c of cases) {
    t.test(c.slug, async (t) => {
      t.notOk(c.problem, c.problem ?? 'conformance.yaml is valid');
      if (!c.spec) return;
      const rig = await startRig(c);
      t.teardown(() => rig.close());
      await body(t, rig);
    });
  }
}
