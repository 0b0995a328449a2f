/**
 * The dashboard (/ui) and the API docs (/docs) in a real headless Chromium, used as a person
 * uses them, against a real gateway holding the sandbox accounts. The numbers the page shows are
 * checked against the sandbox's data read from the same gateway's API. On a failure the test
 * writes a screenshot to .tap/ui-screenshots/. With UPDATE_SCREENSHOTS=1 it also writes the
 * README's docs/dashboard.png.
 */
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, TOKENS } from '../helpers/gateway.js';
import { startSandbox } from '../../src/sandbox.js';
import { Browser, CHROMIUM, type Page } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = path.join(ROOT, '.tap', 'ui-screenshots');
const FROM = '2026-11-16';
const TO = '2026-11-19';
const DAYS = ['2026-11-16', '2026-11-17', '2026-11-18'];
const COST_TYPES = ['total', 'usage_based', 'net', 'on_demand', 'committed', 'included'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are read freely
type Row = any;

if (!existsSync(CHROMIUM)) {
  t.plan(
    0,
    `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) to run the browser tests`,
  );
} else {
  await main();
}

async function main(): Promise<void> {
  const gw = await startGateway({ METERWAY_SANDBOX: 'true' });
  const sandbox = await startSandbox(gw.runtime.accounts, 'acme');
  const url = await gw.runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await Browser.launch();
  t.teardown(async () => {
    await browser.close();
    await gw.close();
    await sandbox.close();
  });

  /** Runs a browser test; a failing one leaves a screenshot of the page behind. */
  const inPage = (name: string, body: (t: Test, page: Page) => Promise<void>) =>
    t.test(name, async (t) => {
      const page = await browser.newPage();
      try {
        await body(t, page);
        t.same(page.errors, [], 'no script errors in the page');
      } finally {
        if (!t.passing()) {
          const file = path.join(SHOTS, `${name.replace(/[^\w-]+/g, '-').slice(0, 80)}.png`);
          await page.screenshot(file).then(
            () => t.comment(`screenshot of the failing page: ${path.relative(ROOT, file)}`),
            (e: Error) => t.comment(`no screenshot: ${e.message}`),
          );
        }
        await browser.send('Target.closeTarget', { targetId: await targetOf(page) }).catch(() => undefined);
      }
    });

  async function targetOf(page: Page): Promise<string> {
    const info = await page.send<{ targetInfo: { targetId: string } }>('Target.getTargetInfo');
    return info.targetInfo.targetId;
  }

  /** Every row of a report over the range, as the stream format gives it. */
  async function streamRows(account: string, report: string): Promise<Row[]> {
    const res = await gw.call(
      'GET',
      `/unified/usage-metering/usage?integrated_account_id=${account}&report_type=${report}&start_date=${FROM}&end_date=${TO}&truto_response_format=stream&truto_ignore_remote_data=true`,
    );
    if (res.status !== 200) throw new Error(`${account} ${report}: ${res.status} ${res.text}`);
    return res.text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Row);
  }

  interface Cell {
    cost: number;
    tokens: number;
  }
  /** The dashboard's figures computed here from the API: cost and tokens per period and group. */
  async function expected(group: (row: Row, integration: string) => string): Promise<Map<string, Cell>> {
    const cells = new Map<string, Cell>();
    const list = (await gw.call('GET', '/integrated-accounts')).body.result as Row[];
    for (const account of list) {
      const caps = (await gw.call('GET', `/integrated-accounts/${account.id}/capabilities`)).body;
      for (const report of ['cost', 'usage']) {
        if (!(caps.supported_report_types as string[]).includes(report)) continue;
        for (const row of await streamRows(account.id, report)) {
          const start = String(row.start_date).slice(0, 10);
          const long = row.end_date && Date.parse(row.end_date) - Date.parse(row.start_date) > 86_400_000;
          const key = `${long ? `${start} → ${String(row.end_date).slice(0, 10)}` : start}|${group(row, account.integration)}`;
          let value: number | undefined;
          if (report === 'cost') {
            const charge = COST_TYPES.map((type) =>
              (row.charges ?? []).find((c: Row) => c.type === type && typeof c.amount === 'number'),
            ).find(Boolean);
            value = charge?.amount;
          } else {
            const tk = row.usage?.tokens;
            value =
              typeof tk?.total === 'number'
                ? tk.total
                : tk &&
                    ['input', 'output', 'cache_read', 'cache_write'].some((k) => typeof tk[k] === 'number')
                  ? ['input', 'output', 'cache_read', 'cache_write'].reduce(
                      (a, k) => a + (typeof tk[k] === 'number' ? tk[k] : 0),
                      0,
                    )
                  : undefined;
          }
          if (value === undefined) continue;
          const cell = cells.get(key) ?? { cost: 0, tokens: 0 };
          if (report === 'cost') cell.cost += value;
          else cell.tokens += value;
          cells.set(key, cell);
        }
      }
    }
    return cells;
  }

  const money = (n: number) =>
    `$${Number(n.toFixed(2)).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;

  /** The breakdown table as the page shows it. */
  const readTable = (page: Page) =>
    page.eval<{ key: string; cost: number; tokens: number; costText: string; tokensText: string }[]>(`
      [...document.querySelectorAll('#breakdown tbody tr')].map((tr) => ({
        key: tr.dataset.day + '|' + tr.dataset.group,
        cost: Number(tr.querySelector('.cost').dataset.value),
        tokens: Number(tr.querySelector('.tokens').dataset.value),
        costText: tr.querySelector('.cost').textContent,
        tokensText: tr.querySelector('.tokens').textContent,
      }))`);

  const close = (a: number, b: number) => Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b));

  function checkTable(t: Test, shown: Awaited<ReturnType<typeof readTable>>, want: Map<string, Cell>): void {
    t.same(
      shown.map((r) => r.key).sort(),
      [...want.keys()].sort(),
      'one line per period and group with data',
    );
    for (const r of shown) {
      const w = want.get(r.key);
      if (!w) continue;
      t.ok(close(r.cost, w.cost), `${r.key}: cost ${r.cost} is ${w.cost}`);
      t.equal(r.tokens, w.tokens, `${r.key}: tokens`);
      if (w.cost) t.equal(r.costText, money(w.cost), `${r.key}: cost shown as ${money(w.cost)}`);
    }
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${url}/ui/`);
    await page.waitFor(`document.body.dataset.state === 'signed-out'`, 'the sign-in form');
    await page.fill('#token', TOKENS.acme);
    await page.click('#sign-in');
    await page.waitFor(`document.body.dataset.state === 'ready'`, 'the accounts after signing in');
  }

  async function show(page: Page, split: string): Promise<void> {
    await page.fill('#from', FROM);
    await page.fill('#to', TO);
    await page.fill('#split', split);
    await page.eval(`document.body.dataset.state = 'waiting'`);
    await page.click('#load');
    await page.waitFor(`document.body.dataset.state === 'loaded'`, `the usage split by ${split}`);
  }

  inPage('a wrong token is refused with the gateway’s message', async (t, page) => {
    await page.goto(`${url}/ui`);
    await page.waitFor(`document.body.dataset.state === 'signed-out'`, 'the sign-in form');
    await page.fill('#token', 'not-a-token-0123456789');
    await page.click('#sign-in');
    const message = await page.waitFor<string>(
      `document.querySelector('#signin-error').textContent`,
      'an error',
    );
    t.equal(message, 'The gateway token is not valid. (401 unauthorized)');
    t.equal(
      await page.eval(`document.querySelector('#dashboard').hidden`),
      true,
      'the dashboard stays hidden',
    );
  });

  inPage(
    'the dashboard shows accounts, cost and tokens per day by integration, and a CSV',
    async (t, page) => {
      await signIn(page);
      const accounts = await page.eval<{ id: string; integration: string; health: string }[]>(`
      [...document.querySelectorAll('#accounts tbody tr')].map((tr) => ({
        id: tr.dataset.account,
        integration: tr.children[2].textContent,
        health: tr.children[4].textContent,
      }))`);
      t.same(
        accounts,
        sandbox.accounts
          .map((a) => ({ id: a.id, integration: a.integration, health: 'active' }))
          .sort((a, b) => a.id.localeCompare(b.id)),
        'every account with its integration and health',
      );

      await show(page, 'integration');
      t.same(
        await page.eval(`[...document.querySelectorAll('#notices li')].map((li) => li.textContent)`),
        [],
      );
      const want = await expected((_row, integration) => integration);
      t.ok(want.size >= 10, `the sandbox has data in the range (${want.size} cells)`);
      checkTable(t, await readTable(page), want);

      const totalCost = [...want.values()].reduce((a, c) => a + c.cost, 0);
      const totalTokens = [...want.values()].reduce((a, c) => a + c.tokens, 0);
      t.ok(totalCost > 0 && totalTokens > 0);
      t.equal(await page.eval(`document.querySelector('#total-cost').textContent`), money(totalCost));
      t.equal(
        await page.eval(`document.querySelector('#total-tokens').textContent`),
        totalTokens.toLocaleString('en-US'),
      );

      // The charts: one stacked bar per day of the range; the bars add up to the daily figures.
      for (const [chart, measure] of [
        ['#cost-chart', 'cost'],
        ['#tokens-chart', 'tokens'],
      ] as const) {
        const bars = await page.eval<{ day: string; value: number }[]>(`
        [...document.querySelectorAll('${chart} svg rect')].map((r) => ({ day: r.dataset.day, value: Number(r.dataset.value) }))`);
        t.ok(bars.length >= DAYS.length, `${chart} has bars (${bars.length})`);
        for (const day of DAYS) {
          const drawn = bars.filter((b) => b.day === day).reduce((a, b) => a + b.value, 0);
          const daily = [...want.entries()]
            .filter(([k]) => k.startsWith(`${day}|`))
            .reduce((a, [, c]) => a + c[measure], 0);
          t.ok(close(drawn, daily), `${chart} ${day}: the bars add up to ${daily}`);
        }
        const labels = await page.eval<string[]>(
          `[...document.querySelectorAll('${chart} svg text')].map((x) => x.textContent).filter((x) => /^\\d\\d-\\d\\d$/.test(x))`,
        );
        t.same(labels, ['11-16', '11-17', '11-18'], `${chart}: one label per day`);
      }

      // The CSV download holds the table.
      const csv = await page.eval<{ href: string; download: string; hidden: boolean }>(
        `(() => { const a = document.querySelector('#csv'); return { href: a.href, download: a.download, hidden: a.hidden }; })()`,
      );
      t.equal(csv.hidden, false);
      t.equal(csv.download, `meterway-usage-${FROM}-${TO}-by-integration.csv`);
      t.match(csv.href, /^data:text\/csv;charset=utf-8,/);
      const lines = decodeURIComponent(csv.href.slice(csv.href.indexOf(',') + 1))
        .trimEnd()
        .split('\r\n');
      t.equal(lines[0], 'day,integration,cost,currency,tokens');
      t.equal(lines.length - 1, want.size, 'one CSV line per table line');
      const csvCost = lines.slice(1).reduce((a, l) => a + Number(l.split(',')[2] || 0), 0);
      t.ok(close(csvCost, totalCost), 'the CSV costs add up to the total');

      if (process.env.UPDATE_SCREENSHOTS) {
        await page.screenshot(path.join(ROOT, 'docs', 'dashboard.png'));
        t.comment('wrote docs/dashboard.png');
      }

      // The same data split by model.
      await show(page, 'model');
      t.equal(await page.eval(`document.querySelector('#split-header').textContent`), 'model');
      checkTable(t, await readTable(page), await expected((row) => row.model?.id || '(no model)'));
      t.equal(await page.eval(`document.querySelector('#total-cost').textContent`), money(totalCost));
    },
  );

  inPage('the debug view lists a request’s upstream calls', async (t, page) => {
    await signIn(page);
    const claude = sandbox.accounts.find((a) => a.id === 'sandbox-claude');
    if (!claude) throw new Error('no sandbox-claude account');
    await page.fill('#from', FROM);
    await page.fill('#to', TO);
    await page.fill('#debug-account', claude.id);
    await page.waitFor(
      `[...document.querySelectorAll('#debug-report option')].some((o) => o.value === 'cost')`,
      'the report types',
    );
    await page.fill('#debug-report', 'cost');
    await page.fill('#debug-limit', '5');
    await page.eval(`document.body.dataset.state = 'waiting'`);
    await page.click('#debug-run');
    await page.waitFor(
      `document.body.dataset.state === 'loaded' && !document.querySelector('#debug-result').hidden`,
      'the debug result',
    );
    const api = await gw.call(
      'GET',
      `/unified/usage-metering/usage?integrated_account_id=${claude.id}&report_type=cost&start_date=${FROM}&end_date=${TO}&limit=5&truto_response_format=debug`,
    );
    const calls = api.body.debug.calls as Row[];
    const shown = await page.eval<{ method: string; status: string; url: string }[]>(`
      [...document.querySelectorAll('#debug-calls tbody tr')].map((tr) => ({
        method: tr.children[1].textContent, status: tr.children[2].textContent, url: tr.children[6].textContent,
      }))`);
    t.same(
      shown,
      calls.map((c) => ({ method: c.method, status: String(c.status), url: c.url })),
      'one line per upstream call, with its method, status and URL',
    );
    t.ok(
      shown.every((c) => c.url.startsWith(`${claude.url}/`)),
      'the calls went to the account’s vendor',
    );
    t.equal(
      await page.eval(`document.querySelector('#debug-request').textContent`),
      `GET ${api.body.debug.requestUrl}`,
    );
    t.match(await page.eval(`document.querySelector('#debug-headers').textContent`), /: \[redacted\]/);
    t.match(
      await page.eval(`document.querySelector('#debug-summary').textContent`),
      /^5 rows · \d+ upstream calls/,
    );
  });

  inPage('the docs page renders every operation of the OpenAPI document', async (t, page) => {
    const doc = (await gw.call('GET', '/openapi.json', { tenant: null })).body;
    const operations: string[] = [];
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) {
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method))
          operations.push(`${method.toUpperCase()} ${p}`);
      }
    }
    t.ok(operations.length >= 8, `the document has operations (${operations.length})`);
    await page.goto(`${url}/docs`);
    await page.waitFor(
      `document.querySelectorAll('.opblock').length >= ${operations.length}`,
      `${operations.length} operations rendered`,
    );
    const rendered = await page.eval<string[]>(`
      [...document.querySelectorAll('.opblock')].map((op) =>
        op.querySelector('.opblock-summary-method').textContent.trim() + ' ' +
        op.querySelector('.opblock-summary-path').getAttribute('data-path'))`);
    t.same(rendered.sort(), operations.sort(), 'every operation, once');
  });
}
