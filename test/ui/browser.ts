/**
 * A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
 * NUL-separated JSON on file descriptors 3 and 4), so the browser tests need no WebSocket client
 * and no browser download: Debian's `chromium` package is enough.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Every wait is bounded: a page that never gets there fails the test with what it waited for. */
const DEFAULT_WAIT_MS = 30_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  method: string;
}

type Json = Record<string, unknown>;

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(msg: Json) => void>();
  private buffer = '';
  private exited = false;
  readonly stderr: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    input.on('error', () => undefined);
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        this.dispatch(JSON.parse(text) as Json);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr.push(d);
      if (this.stderr.length > 200) this.stderr.shift();
    });
    child.once('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`the browser exited during ${p.method}`));
      this.pending.clear();
    });
  }

  static async launch(): Promise<Browser> {
    const profile = await mkdtemp(path.join(tmpdir(), 'meterway-chromium-'));
    const child = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-extensions',
        '--no-first-run',
        '--no-default-browser-check',
        '--hide-scrollbars',
        '--mute-audio',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const browser = new Browser(child, profile);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await browser.send('Browser.getVersion', {}, undefined, 60_000);
    return browser;
  }

  private dispatch(msg: Json): void {
    if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${JSON.stringify(msg.error)}`));
      else p.resolve(msg.result);
      return;
    }
    for (const l of this.listeners) l(msg);
  }

  send<T = Json>(
    method: string,
    params: Json = {},
    sessionId?: string,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`the browser has exited (${method})`));
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from the browser in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      (this.child.stdio[3] as Writable).write(`${message}\0`);
    });
  }

  /** The next event of this name (on this session) that satisfies `match`. */
  waitForEvent(method: string, sessionId: string | undefined, timeoutMs = DEFAULT_WAIT_MS): Promise<Json> {
    return new Promise((resolve, reject) => {
      const listener = (msg: Json) => {
        if (msg.method !== method || (sessionId && msg.sessionId !== sessionId)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve((msg.params ?? {}) as Json);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no ${method} event in ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  onEvent(listener: (msg: Json) => void): void {
    this.listeners.add(listener);
  }

  async newPage(width = 1280, height = 900): Promise<Page> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    const page = new Page(this, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    await page.send('Emulation.setDeviceMetricsOverride', {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return page;
  }

  /** Closes the browser and waits for its process; kills it when it does not go. */
  async close(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      await this.send('Browser.close', {}, undefined, 5_000).catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    await rm(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  /** Uncaught exceptions and console errors of the page. */
  readonly errors: string[] = [];

  constructor(
    private readonly browser: Browser,
    readonly sessionId: string,
  ) {
    browser.onEvent((msg) => {
      if (msg.sessionId !== sessionId) return;
      const params = (msg.params ?? {}) as Json;
      if (msg.method === 'Runtime.exceptionThrown') {
        const details = params.exceptionDetails as Json;
        const exception = (details.exception ?? {}) as Json;
        this.errors.push(String(exception.description ?? details.text));
      }
      if (msg.method === 'Runtime.consoleAPICalled' && params.type === 'error') {
        this.errors.push(
          ((params.args as Json[]) ?? []).map((a) => String(a.value ?? a.description)).join(' '),
        );
      }
    });
  }

  send<T = Json>(method: string, params: Json = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId);
  }

  async goto(url: string): Promise<void> {
    const loaded = this.browser.waitForEvent('Page.loadEventFired', this.sessionId);
    const nav = await this.send<{ errorText?: string }>('Page.navigate', { url });
    if (nav.errorText) throw new Error(`navigating to ${url}: ${nav.errorText}`);
    await loaded;
  }

  /** The value of an expression in the page (awaited, returned by value); page exceptions throw. */
  async eval<T = unknown>(expression: string): Promise<T> {
    const res = await this.send<{ result: { value?: unknown }; exceptionDetails?: Json }>(
      'Runtime.evaluate',
      {
        expression,
        awaitPromise: true,
        returnByValue: true,
      },
    );
    if (res.exceptionDetails) {
      const exception = (res.exceptionDetails.exception ?? {}) as Json;
      throw new Error(`in the page: ${String(exception.description ?? res.exceptionDetails.text)}`);
    }
    return res.result.value as T;
  }

  /** Polls an expression until it is truthy, for at most `timeoutMs`; returns its value. */
  async waitFor<T = unknown>(expression: string, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      last = await this.eval(expression).catch((e: Error) => e.message);
      if (last && !(typeof last === 'string' && last.startsWith('in the page:'))) return last as T;
      if (Date.now() > deadline) {
        throw new Error(`waited ${timeoutMs} ms for ${what} (${expression} → ${JSON.stringify(last)})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sets a form field's value as a person typing would (input and change events). */
  async fill(selector: string, value: string): Promise<void> {
    await this.eval(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) throw new Error('no element ' + ${JSON.stringify(selector)});
      el.value = ${JSON.stringify(value)};
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    })()`);
  }

  /** Clicks an element with a real mouse event at its centre. */
  async click(selector: string): Promise<void> {
    const box = await this.eval<{ x: number; y: number } | null>(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      el.scrollIntoView({ block: 'center' });
      const r = el.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`);
    if (!box) throw new Error(`no element ${selector} to click`);
    for (const type of ['mousePressed', 'mouseReleased']) {
      await this.send('Input.dispatchMouseEvent', {
        type,
        x: box.x,
        y: box.y,
        button: 'left',
        clickCount: 1,
      });
    }
  }

  async screenshot(file: string, fullPage = true): Promise<void> {
    const { data } = await this.send<{ data: string }>('Page.captureScreenshot', {
      format: 'png',
      captureBeyondViewport: fullPage,
    });
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.from(data, 'base64'));
  }
}
