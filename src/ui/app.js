/* global document, window, fetch, sessionStorage, URLSearchParams */
// The meterway dashboard: plain browser JavaScript over the gateway's public API, no build step.

const $ = (sel) => document.querySelector(sel);
const COST_TYPES = ['total', 'usage_based', 'net', 'on_demand', 'committed', 'included'];
const TOKEN_PARTS = ['input', 'output', 'cache_read', 'cache_write'];
const COLORS = ['#3256d6', '#e07a1f', '#2f9e6e', '#c2417a', '#7a5cd6', '#1b9bb5', '#b5a21b', '#8a6d5a'];
const MAX_SERIES = 8;

let token = sessionStorage.getItem('meterway-token') || '';
let accounts = [];
const capabilities = new Map();

/** `body[data-state]` says what the page is doing: signed-out, ready, loading, loaded. */
function setState(state) {
  document.body.dataset.state = state;
}

async function api(path, params) {
  const url = params ? `${path}?${params}` : path;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      const env = JSON.parse(text);
      message = `${env.message} (${res.status} ${env.code})`;
    } catch {
      // not an envelope
    }
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return text;
}

const el = (tag, attrs = {}, text) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};

function money(amount, currency) {
  const value = amount.toFixed(2);
  return currency === 'USD'
    ? `$${Number(value).toLocaleString('en-US', { minimumFractionDigits: 2 })}`
    : `${value} ${currency}`;
}
const count = (n) => Math.round(n).toLocaleString('en-US');

/** The cost of a row: its first charge of the preferred types (never a sum of types). */
export function rowCost(row) {
  const charges = Array.isArray(row.charges) ? row.charges : [];
  for (const type of COST_TYPES) {
    const c = charges.find((x) => x.type === type && typeof x.amount === 'number');
    if (c) return { amount: c.amount, currency: c.currency || 'USD' };
  }
  return undefined;
}

/** The tokens of a row: the total when given, else the sum of the separate token types. */
export function rowTokens(row) {
  const t = row.usage && row.usage.tokens;
  if (!t) return undefined;
  if (typeof t.total === 'number') return t.total;
  const parts = TOKEN_PARTS.map((k) => t[k]).filter((v) => typeof v === 'number');
  return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
}

function groupOf(row, account, split) {
  if (split === 'integration') return account.integration;
  if (split === 'account') return account.id;
  if (split === 'model') return (row.model && row.model.id) || '(no model)';
  return (row.user && (row.user.email || row.user.id || row.user.name)) || '(no user)';
}

async function signIn(event) {
  if (event) event.preventDefault();
  const typed = $('#token').value.trim();
  if (typed) token = typed;
  $('#signin-error').textContent = '';
  try {
    accounts = JSON.parse(await api('/integrated-accounts')).result;
  } catch (err) {
    $('#signin-error').textContent = err.message;
    setState('signed-out');
    return;
  }
  sessionStorage.setItem('meterway-token', token);
  $('#signin').hidden = true;
  $('#dashboard').hidden = false;
  $('#sign-out').hidden = false;
  renderAccounts();
  setState('ready');
}

function renderAccounts() {
  const body = $('#accounts tbody');
  body.replaceChildren();
  const debugSelect = $('#debug-account');
  debugSelect.replaceChildren();
  for (const a of accounts) {
    const tr = el('tr', { 'data-account': a.id });
    const box = el('input', { type: 'checkbox', value: a.id });
    box.checked = a.status === 'active';
    const cell = el('td');
    cell.append(box);
    tr.append(cell, el('td', {}, a.id), el('td', {}, a.integration), el('td', {}, a.name));
    const health = el('td');
    health.append(el('span', { class: a.status === 'active' ? 'badge' : 'badge bad' }, a.status));
    tr.append(health);
    body.append(tr);
    debugSelect.append(el('option', { value: a.id }, a.id));
  }
  void fillDebugReports();
}

async function capabilitiesOf(id) {
  if (!capabilities.has(id)) {
    capabilities.set(
      id,
      JSON.parse(await api(`/integrated-accounts/${encodeURIComponent(id)}/capabilities`)),
    );
  }
  return capabilities.get(id);
}

/** Every row of a report over the range, in one stream request. */
async function streamRows(account, report, from, to) {
  const params = new URLSearchParams({
    integrated_account_id: account,
    report_type: report,
    start_date: from,
    end_date: to,
    truto_response_format: 'stream',
    truto_ignore_remote_data: 'true',
  });
  const text = await api('/unified/usage-metering/usage', params);
  const rows = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line);
    if (row.error && Object.keys(row).length === 1)
      throw new Error(`${row.error.message} (${row.error.code})`);
    rows.push(row);
  }
  return rows;
}

/** A row's day, or `start → end` for a row that covers more than one day (a monthly cost). */
export function periodOf(row) {
  const start = String(row.start_date).slice(0, 10);
  if (!row.end_date) return start;
  const days = (Date.parse(row.end_date) - Date.parse(row.start_date)) / 86400000;
  return days > 1 ? `${start} → ${String(row.end_date).slice(0, 10)}` : start;
}

function daysOf(from, to) {
  const days = [];
  for (
    let d = new Date(`${from}T00:00:00Z`);
    d < new Date(`${to}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1)
  ) {
    days.push(d.toISOString().slice(0, 10));
    if (days.length > 400) break;
  }
  return days;
}

let lastCsv = '';

async function load(event) {
  if (event) event.preventDefault();
  const from = $('#from').value;
  const to = $('#to').value;
  const split = $('#split').value;
  const chosen = [...document.querySelectorAll('#accounts tbody input:checked')].map((b) =>
    accounts.find((a) => a.id === b.value),
  );
  const notices = $('#notices');
  notices.replaceChildren();
  setState('loading');
  $('#status').textContent = 'Loading…';
  // cells: day → group → { cost, tokens, currency }
  const cells = new Map();
  const cell = (day, group) => {
    if (!cells.has(day)) cells.set(day, new Map());
    const byGroup = cells.get(day);
    if (!byGroup.has(group))
      byGroup.set(group, { cost: 0, tokens: 0, currency: 'USD', hasCost: false, hasTokens: false });
    return byGroup.get(group);
  };
  for (const account of chosen) {
    let supported;
    try {
      supported = (await capabilitiesOf(account.id)).supported_report_types || [];
    } catch (err) {
      notices.append(el('li', {}, `${account.id}: ${err.message}`));
      continue;
    }
    for (const [report, measure] of [
      ['cost', 'cost'],
      ['usage', 'tokens'],
    ]) {
      if (!supported.includes(report)) continue;
      let rows;
      try {
        rows = await streamRows(account.id, report, from, to);
      } catch (err) {
        notices.append(el('li', {}, `${account.id} ${report}: ${err.message}`));
        continue;
      }
      for (const row of rows) {
        const day = periodOf(row);
        const group = groupOf(row, account, split);
        if (measure === 'cost') {
          const c = rowCost(row);
          if (!c) continue;
          const target = cell(day, group);
          target.cost += c.amount;
          target.currency = c.currency;
          target.hasCost = true;
        } else {
          const n = rowTokens(row);
          if (n === undefined) continue;
          const target = cell(day, group);
          target.tokens += n;
          target.hasTokens = true;
        }
      }
    }
  }
  render(cells, daysOf(from, to), split, from, to);
  $('#status').textContent = `${chosen.length} account${chosen.length === 1 ? '' : 's'}, ${from} to ${to}`;
  setState('loaded');
}

function render(cells, days, split, from, to) {
  $('#split-header').textContent = split;
  const body = $('#breakdown tbody');
  body.replaceChildren();
  let totalCost = 0;
  let totalTokens = 0;
  let currency = 'USD';
  const lines = [['day', split, 'cost', 'currency', 'tokens']];
  const groupTotals = new Map();
  for (const day of [...cells.keys()].sort()) {
    for (const [group, v] of [...cells.get(day).entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      totalCost += v.cost;
      totalTokens += v.tokens;
      currency = v.currency;
      groupTotals.set(group, (groupTotals.get(group) || 0) + v.cost + v.tokens / 1e9);
      const tr = el('tr', { 'data-day': day, 'data-group': group });
      tr.append(
        el('td', {}, day),
        el('td', {}, group),
        el(
          'td',
          { class: 'num cost', 'data-value': String(v.cost) },
          v.hasCost ? money(v.cost, v.currency) : '—',
        ),
        el(
          'td',
          { class: 'num tokens', 'data-value': String(v.tokens) },
          v.hasTokens ? count(v.tokens) : '—',
        ),
      );
      body.append(tr);
      lines.push([
        day,
        group,
        v.hasCost ? String(v.cost) : '',
        v.hasCost ? v.currency : '',
        v.hasTokens ? String(v.tokens) : '',
      ]);
    }
  }
  const foot = $('#breakdown tfoot');
  foot.replaceChildren();
  const total = el('tr');
  total.append(
    el('td', {}, 'total'),
    el('td'),
    el('td', { class: 'num', 'data-value': String(totalCost) }, money(totalCost, currency)),
    el('td', { class: 'num', 'data-value': String(totalTokens) }, count(totalTokens)),
  );
  foot.append(total);
  $('#total-cost').textContent = money(totalCost, currency);
  $('#total-cost').dataset.value = String(totalCost);
  $('#total-tokens').textContent = count(totalTokens);
  $('#total-tokens').dataset.value = String(totalTokens);

  const ranked = [...groupTotals.entries()].sort((a, b) => b[1] - a[1]).map(([g]) => g);
  const shown = ranked.slice(0, MAX_SERIES - 1);
  const series = ranked.length > MAX_SERIES ? [...shown, 'other'] : ranked;
  const seriesOf = (g) => (series.includes(g) ? g : 'other');
  chart($('#cost-chart'), days, cells, series, seriesOf, 'cost', (n) => money(n, currency));
  chart($('#tokens-chart'), days, cells, series, seriesOf, 'tokens', count);

  lastCsv = lines.map((l) => l.map(csvField).join(',')).join('\r\n') + '\r\n';
  const link = $('#csv');
  link.href = `data:text/csv;charset=utf-8,${encodeURIComponent(lastCsv)}`;
  link.download = `meterway-usage-${from}-${to}-by-${split}.csv`;
  link.hidden = false;
}

function csvField(value) {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const SVG = 'http://www.w3.org/2000/svg';
function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A stacked bar per day, one colour per series, drawn as plain SVG. */
function chart(target, days, cells, series, seriesOf, measure, format) {
  const W = 900;
  const H = 240;
  const left = 70;
  const bottom = 24;
  const top = 10;
  const stacks = days.map((day) => {
    const byGroup = cells.get(day) || new Map();
    const parts = new Map();
    for (const [group, v] of byGroup)
      parts.set(seriesOf(group), (parts.get(seriesOf(group)) || 0) + v[measure]);
    return { day, parts, sum: [...parts.values()].reduce((a, b) => a + b, 0) };
  });
  const max = Math.max(0, ...stacks.map((s) => s.sum));
  const svg = svgEl('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `${measure} per day`,
    'data-max': max,
  });
  const plotH = H - top - bottom;
  const step = (W - left - 10) / Math.max(days.length, 1);
  svg.append(svgEl('line', { x1: left, y1: H - bottom, x2: W - 10, y2: H - bottom, stroke: '#98a2b3' }));
  svg.append(
    svgEl(
      'text',
      { x: left - 6, y: top + 10, 'text-anchor': 'end', 'font-size': 11, fill: '#667085' },
      format(max),
    ),
  );
  svg.append(
    svgEl(
      'text',
      { x: left - 6, y: H - bottom, 'text-anchor': 'end', 'font-size': 11, fill: '#667085' },
      '0',
    ),
  );
  stacks.forEach((s, i) => {
    const x = left + i * step + step * 0.15;
    const w = step * 0.7;
    let y = H - bottom;
    series.forEach((name, si) => {
      const v = s.parts.get(name) || 0;
      if (v <= 0 || max <= 0) return;
      const h = (v / max) * plotH;
      y -= h;
      const rect = svgEl('rect', {
        x,
        y,
        width: w,
        height: Math.max(h, 0.5),
        fill: COLORS[si % COLORS.length],
        'data-day': s.day,
        'data-series': name,
        'data-value': v,
      });
      rect.append(svgEl('title', {}, `${s.day} · ${name}: ${format(v)}`));
      svg.append(rect);
    });
    if (days.length <= 31 || i % Math.ceil(days.length / 31) === 0) {
      svg.append(
        svgEl(
          'text',
          { x: x + w / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 10, fill: '#667085' },
          s.day.slice(5),
        ),
      );
    }
  });
  const legend = el('div', { class: 'legend' });
  series.forEach((name, si) => {
    const item = el('span');
    item.append(
      el('i', { style: `background:${COLORS[si % COLORS.length]}` }),
      document.createTextNode(name),
    );
    legend.append(item);
  });
  target.replaceChildren(svg, legend);
}

async function fillDebugReports() {
  const id = $('#debug-account').value;
  const select = $('#debug-report');
  select.replaceChildren();
  if (!id) return;
  try {
    for (const r of (await capabilitiesOf(id)).supported_report_types || [])
      select.append(el('option', { value: r }, r));
  } catch (err) {
    $('#debug-error').textContent = err.message;
  }
}

async function runDebug(event) {
  if (event) event.preventDefault();
  $('#debug-error').textContent = '';
  setState('loading');
  const params = new URLSearchParams({
    integrated_account_id: $('#debug-account').value,
    report_type: $('#debug-report').value,
    start_date: $('#from').value,
    end_date: $('#to').value,
    limit: $('#debug-limit').value || '10',
    truto_response_format: 'debug',
    truto_ignore_remote_data: 'true',
  });
  try {
    const body = JSON.parse(await api('/unified/usage-metering/usage', params));
    const d = body.debug || {};
    $('#debug-request').textContent = d.requestUrl
      ? `${(d.requestOptions && d.requestOptions.method) || 'GET'} ${d.requestUrl}`
      : '(no vendor request was needed)';
    $('#debug-summary').textContent =
      `${body.result_count} rows · ${(d.calls || []).length} upstream calls · looping ${d.isLooping ? 'yes' : 'no'} · next_cursor ${body.next_cursor ? 'present' : 'none'}`;
    const tbody = $('#debug-calls tbody');
    tbody.replaceChildren();
    (d.calls || []).forEach((c, i) => {
      const tr = el('tr');
      tr.append(
        el('td', { class: 'num' }, String(i + 1)),
        el('td', {}, c.method || ''),
        el('td', { class: 'num' }, c.status === null || c.status === undefined ? '' : String(c.status)),
        el('td', { class: 'num' }, typeof c.durationMs === 'number' ? c.durationMs.toFixed(1) : ''),
        el('td', {}, c.cacheHit ? 'hit' : 'miss'),
        el('td', { class: 'num' }, String(c.attempts ?? '')),
        el('td', { class: 'url' }, c.url || ''),
      );
      tbody.append(tr);
    });
    const headers = (d.requestOptions && d.requestOptions.headers) || {};
    $('#debug-headers').textContent = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
    $('#debug-result').hidden = false;
  } catch (err) {
    $('#debug-error').textContent = err.message;
  }
  setState('loaded');
}

function signOut() {
  sessionStorage.removeItem('meterway-token');
  token = '';
  window.location.reload();
}

function init() {
  const today = new Date();
  const to = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const from = new Date(to.getTime() - 7 * 86400000);
  $('#from').value = from.toISOString().slice(0, 10);
  $('#to').value = to.toISOString().slice(0, 10);
  $('#signin-form').addEventListener('submit', signIn);
  $('#range-form').addEventListener('submit', load);
  $('#debug-form').addEventListener('submit', runDebug);
  $('#debug-account').addEventListener('change', () => void fillDebugReports());
  $('#sign-out').addEventListener('click', signOut);
  setState('signed-out');
  if (token) void signIn();
}

init();
