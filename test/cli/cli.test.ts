/**
 * The `meterway` command, run as a person runs it: the real binary in a child process against a
 * real gateway on a loopback port, holding the sandbox accounts and their emulators. Outputs are
 * checked against what the same gateway's API answers.
 */
import t from 'tap';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, TOKENS } from '../helpers/gateway.js';
import { startSandbox } from '../../src/sandbox.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'meterway.mjs');
const RANGE = ['--from', '2026-11-16', '--to', '2026-11-18'];
const RANGE_QS = 'start_date=2026-11-16&end_date=2026-11-18';

const gw = await startGateway({ METERWAY_SANDBOX: 'true' });
const sandbox = await startSandbox(gw.runtime.accounts, 'acme');
const url = await gw.runtime.app.listen({ port: 0, host: '127.0.0.1' });
t.teardown(async () => {
  await gw.close();
  await sandbox.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function meterway(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, METERWAY_URL: url, METERWAY_TOKEN: TOKENS.acme, ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are read freely
type Row = any;

/** Every row of a query, straight from the API, page by page. */
async function apiRows(qs: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await gw.call(
      'GET',
      `/unified/usage-metering/usage?${qs}&limit=1000${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (res.status !== 200) throw new Error(`${qs}: ${res.status} ${res.text}`);
    rows.push(...res.body.result);
    cursor = res.body.next_cursor;
  } while (cursor);
  return rows;
}

t.test('accounts list shows every account of the token, with integration and status', async (t) => {
  const run = await meterway(['accounts', 'list']);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.match(lines[0], /^id\s+integration\s+status\s+name$/);
  t.equal(lines.length - 2, sandbox.accounts.length, 'one line per account under the header');
  for (const a of sandbox.accounts) {
    t.ok(
      lines.some((l) => new RegExp(`^${a.id}\\s+${a.integration}\\s+active\\s`).test(l)),
      `${a.id} is listed as an active ${a.integration} account`,
    );
  }
  const json = await meterway(['accounts', 'list', '-o', 'json']);
  t.same(
    (JSON.parse(json.stdout) as Row[]).map((a) => a.id).sort(),
    sandbox.accounts.map((a) => a.id).sort(),
  );
});

t.test('accounts add and rm change what the gateway holds', async (t) => {
  const sandboxClaude = sandbox.accounts.find((a) => a.id === 'sandbox-claude');
  if (!sandboxClaude) throw new Error('the sandbox has no sandbox-claude account');
  const add = await meterway([
    'accounts',
    'add',
    '--id',
    'cli-added',
    '--integration',
    sandboxClaude.integration,
    '--name',
    'Added from the CLI',
    '--credential',
    'admin_api_key=sk-cli-test-key-0123456789-AbCd',
    '--context',
    `base_url=${sandboxClaude.url}`,
  ]);
  t.equal(add.code, 0, add.stderr);
  const created = JSON.parse(add.stdout);
  t.equal(created.id, 'cli-added');
  t.notMatch(add.stdout, /sk-cli-test-key/, 'the credential is shown masked only');
  t.equal((await gw.call('GET', '/integrated-accounts/cli-added')).status, 200, 'the gateway holds it');

  const rm1 = await meterway(['accounts', 'rm', 'cli-added']);
  t.equal(rm1.code, 0, rm1.stderr);
  t.equal(rm1.stdout, 'removed cli-added\n');
  t.equal((await gw.call('GET', '/integrated-accounts/cli-added')).status, 404, 'the gateway forgot it');

  const rm2 = await meterway(['accounts', 'rm', 'cli-added']);
  t.equal(rm2.code, 1, 'removing an unknown account fails');
  t.equal(rm2.stdout, '');
  t.match(
    rm2.stderr,
    /^meterway: No integrated account "cli-added" for this token\. \(404 account_not_found\)\n$/,
  );
});

t.test('usage -o json follows every cursor: the rows the API pages through, in order', async (t) => {
  const expected = await apiRows(`integrated_account_id=sandbox-claude&report_type=cost&${RANGE_QS}`);
  t.ok(expected.length > 20, `the range holds many rows (${expected.length})`);
  const run = await meterway([
    'usage',
    '-a',
    'sandbox-claude',
    '--report',
    'cost',
    ...RANGE,
    '-o',
    'json',
    '--page-size',
    '7',
  ]);
  t.equal(run.code, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as Row[];
  t.same(
    rows.map((r) => r.id),
    expected.map((r) => r.id),
    'every row once, over several pages of 7',
  );
  t.same(rows[0].charges, expected[0].charges);
  t.notOk('remote_data' in rows[0], 'remote_data is left out unless asked for');
  t.equal(run.stderr, '', 'no progress line when stderr is not a terminal');
});

t.test('usage -o ndjson, paged or as one stream, gives the same rows', async (t) => {
  const expected = await apiRows(`integrated_account_id=sandbox-cursor&report_type=usage&${RANGE_QS}`);
  const paged = await meterway([
    'usage',
    '-a',
    'sandbox-cursor',
    '-r',
    'usage',
    ...RANGE,
    '-o',
    'ndjson',
    '--page-size',
    '50',
  ]);
  const streamed = await meterway([
    'usage',
    '-a',
    'sandbox-cursor',
    '-r',
    'usage',
    ...RANGE,
    '-o',
    'ndjson',
    '--stream',
  ]);
  for (const [name, run] of [
    ['paged', paged],
    ['streamed', streamed],
  ] as const) {
    t.equal(run.code, 0, `${name}: ${run.stderr}`);
    const ids = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as Row).id);
    t.same(
      ids,
      expected.map((r) => r.id),
      `${name}: one line per row (${expected.length})`,
    );
  }
});

t.test('usage -o csv writes the normalized columns with every row', async (t) => {
  const qs = `integrated_account_id=sandbox-claude-analytics&report_type=cost&${RANGE_QS}&truto_response_format=normalized`;
  const expected = await apiRows(qs);
  const run = await meterway([
    'usage',
    '-a',
    'sandbox-claude-analytics',
    '-r',
    'cost',
    ...RANGE,
    '-o',
    'csv',
    '--page-size',
    '4',
  ]);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\r\n');
  t.equal(lines.pop(), '', 'CRLF line ends, the last one too');
  t.equal(lines[0], Object.keys(expected[0]).join(','), 'the header is the normalized columns, in order');
  t.equal(lines.length - 1, expected.length, 'one line per row');
  const header = (lines[0] as string).split(',');
  const col = header.indexOf('charges.net.amount');
  const sum = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) * 1e6) / 1e6;
  t.equal(
    sum(lines.slice(1).map((l) => Number(l.split(',')[col]))),
    sum(expected.map((r) => r['charges.net.amount'] as number)),
    'the net charges add up to the API’s',
  );
});

t.test('usage -o table prints a readable table of the columns that hold values', async (t) => {
  const expected = await apiRows(
    `integrated_account_id=sandbox-claude-analytics&report_type=cost&${RANGE_QS}`,
  );
  const run = await meterway(['usage', '-a', 'sandbox-claude-analytics', '-r', 'cost', ...RANGE]);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.match(lines[0], /^metric_name\s.*charges\.net\.amount.*start_date/);
  t.notMatch(lines[0], /(^|\s)id(\s|$)|usage\.code/, 'no id column, no empty columns');
  t.match(lines[1], /^-+( {2}-+)+$/);
  t.equal(lines.length - 2, expected.length);
  t.match(lines[2], /2026-11-16/, 'midnight timestamps are shown as days');
});

t.test('an export stopped after some pages resumes from the printed cursor', async (t) => {
  const args = ['usage', '-a', 'sandbox-claude', '-r', 'cost', ...RANGE, '-o', 'ndjson', '--page-size', '10'];
  const full = await meterway(args);
  const first = await meterway([...args, '--max-pages', '2']);
  t.equal(first.code, 0, first.stderr);
  const m = /continue with --cursor (\S+)\n$/.exec(first.stderr);
  t.ok(m, `the cursor is printed: ${first.stderr}`);
  t.equal(first.stdout.trimEnd().split('\n').length, 20, 'two pages of 10');
  const rest = await meterway([...args, '--cursor', (m as RegExpExecArray)[1] as string]);
  t.equal(rest.code, 0, rest.stderr);
  t.equal(first.stdout + rest.stdout, full.stdout, 'the two parts are the whole export');

  const other = await meterway([
    'usage',
    '-a',
    'sandbox-claude',
    '-r',
    'usage',
    ...RANGE,
    '--cursor',
    (m as RegExpExecArray)[1] as string,
  ]);
  t.equal(other.code, 1, 'a cursor of another query is refused');
  t.match(other.stderr, /^meterway: .*\(400 cursor_query_mismatch\)\n/);
  t.match(other.stderr, /resume with: --cursor /, 'a failing page says where to resume');
});

/** A loopback port nobody listens on (just released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

t.test('failures exit non-zero with the error envelope’s message', async (t) => {
  const badToken = await meterway(['accounts', 'list'], { METERWAY_TOKEN: 'not-a-token-0123456789' });
  t.equal(badToken.code, 1);
  t.equal(badToken.stderr, 'meterway: The gateway token is not valid. (401 unauthorized)\n');
  t.equal(badToken.stdout, '');

  const unsupported = await meterway(['usage', '-a', 'sandbox-cursor', '-r', 'skill_usage']);
  t.equal(unsupported.code, 1);
  t.match(unsupported.stderr, /^meterway: .*\(400 unsupported_report_type\)\n$/);

  const badDate = await meterway(['usage', '-a', 'sandbox-claude', '--from', 'yesterday']);
  t.equal(badDate.code, 1);
  t.match(badDate.stderr, /start_date/);

  const closed = await closedPort();
  const down = await meterway(['accounts', 'list'], { METERWAY_URL: `http://127.0.0.1:${closed}` });
  t.equal(down.code, 1);
  t.equal(down.stderr, `meterway: cannot reach the gateway at http://127.0.0.1:${closed}: ECONNREFUSED\n`);

  const usageError = await meterway(['usage', '-o', 'xml', '-a', 'x']);
  t.equal(usageError.code, 2, 'a command-line mistake exits 2');
  t.match(usageError.stderr, /-o takes table, json, ndjson, csv/);
});

t.test('debug lays out the upstream calls of a request, credentials redacted', async (t) => {
  const account = sandbox.accounts.find((a) => a.id === 'sandbox-claude');
  const run = await meterway(['debug', '-a', 'sandbox-claude', '-r', 'cost', ...RANGE, '--limit', '3']);
  t.equal(run.code, 0, run.stderr);
  const api = await gw.call(
    'GET',
    `/unified/usage-metering/usage?integrated_account_id=sandbox-claude&report_type=cost&${RANGE_QS}&limit=3&truto_response_format=debug`,
  );
  const calls = api.body.debug.calls as Row[];
  t.ok(calls.length >= 1);
  t.match(run.stdout, new RegExp(`^request    GET ${account?.url}/`, 'm'), 'the first vendor request');
  t.match(run.stdout, /: \[redacted\]$/m, 'credential headers are redacted');
  t.match(run.stdout, new RegExp(`^upstream calls \\(${calls.length}\\)$`, 'm'));
  for (const c of calls) t.ok(run.stdout.includes(`  ${c.url}`), `the call to ${c.url} is listed`);
  t.match(run.stdout, /^result {5}3 rows · looping no · empty no$/m);
  const json = await meterway([
    'debug',
    '-a',
    'sandbox-claude',
    '-r',
    'cost',
    ...RANGE,
    '--limit',
    '3',
    '-o',
    'json',
  ]);
  t.same(
    (JSON.parse(json.stdout).calls as Row[]).map((c) => c.url),
    calls.map((c) => c.url),
  );
});

const script = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).stdout.trim();
const noScript = script
  ? false
  : '`script` (util-linux) is not installed: no pseudo-terminal to run the CLI in';

t.test('the progress bar is drawn on stderr when it is a terminal', { skip: noScript }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterway-cli-tty-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'rows.csv');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // Under script, stderr (and stdin) are the pseudo-terminal; stdout goes to a file.
  const command = [process.execPath, BIN, 'usage', '-a', 'sandbox-claude', '-r', 'cost', ...RANGE]
    .concat(['-o', 'csv', '--page-size', '10'])
    .map(quote)
    .join(' ');
  const run = await new Promise<Run>((resolve) => {
    execFile(
      script,
      ['-q', '-e', '-c', `${command} > ${quote(out)}`, '/dev/null'],
      { cwd: ROOT, env: { ...process.env, METERWAY_URL: url, METERWAY_TOKEN: TOKENS.acme, COLUMNS: '160' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  t.equal(run.code, 0, run.stderr);
  const expected = await apiRows(`integrated_account_id=sandbox-claude&report_type=cost&${RANGE_QS}`);
  const pages = Math.ceil(expected.length / 10);
  const ESC = String.fromCharCode(27);
  t.ok(run.stdout.includes(`\r${ESC}[2K`), 'the bar redraws its line (carriage return, erase line)');
  t.match(run.stdout, /. usage of sandbox-claude · \d+ rows · \d+ pages? · \d+\.\d s · rate-limit waits 0/);
  t.match(
    run.stdout,
    new RegExp(
      `✔ usage of sandbox-claude: ${expected.length} rows, ${pages} pages, \\d+\\.\\d s, rate-limit waits 0`,
    ),
    'the bar ends in a summary with the rows and pages exported',
  );
  const csv = await readFile(out, 'utf8');
  t.equal(csv.split('\r\n').length - 2, expected.length, 'stdout got the rows, without the bar');
  t.notMatch(csv, /rows ·/);
});

/** The environment of a gateway nobody configured (the sandbox). */
function sandboxEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (k.startsWith('METERWAY_') || k === 'REDIS_URL' || k === 'PORT') delete env[k];
  return env;
}

t.test('serve runs a sandbox gateway the other commands can use', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterway-cli-serve-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...sandboxEnv(), METERWAY_DATA_DIR: dir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
  let out = '';
  const banner = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in 60 s: ${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)\n\s+token:\s+(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  const list = await meterway(['accounts', 'list', '-o', 'json'], {
    METERWAY_URL: banner[1] as string,
    METERWAY_TOKEN: banner[2] as string,
  });
  t.equal(list.code, 0, list.stderr);
  t.same(
    (JSON.parse(list.stdout) as Row[]).map((a) => a.id).sort(),
    sandbox.accounts.map((a) => a.id).sort(),
    'the served gateway holds the sandbox accounts',
  );
});
