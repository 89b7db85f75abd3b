// Browser-test harness: the real server (apps/server/dist/main.js) serving the built app, and
// Debian's Chromium driven by playwright-core. Screenshots go to .ci/artifacts/ at the repo root.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, '.ci', 'artifacts');
const SERVER_MAIN = join(REPO, 'apps', 'server', 'dist', 'main.js');
const WEB_DIST = join(REPO, 'apps', 'web', 'dist');

/** Console errors a test provokes on purpose (the 4xx answers to refused uploads and unknown links). */
export const EXPECTED_4XX = /Failed to load resource: the server responded with a status of 4\d\d/;

/** Why the browser tests cannot run here, or null when they can. */
export function skipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;
  if (!existsSync(SERVER_MAIN)) return `the server is not built (${SERVER_MAIN}): run pnpm --filter @lockscope/server build`;
  if (!existsSync(join(WEB_DIST, 'index.html'))) return `the web app is not built (${WEB_DIST}): run pnpm --filter @lockscope/web build`;
  return null;
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** `env`: extra server settings (e.g. LOCKSCOPE_MAX_EVENTS_PER_RUN). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lockscope-e2e-data-'));
  const child: ChildProcess = spawn(process.execPath, [SERVER_MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOCKSCOPE_DATA_DIR: dataDir, LOCKSCOPE_WEB_DIR: WEB_DIST, LOCKSCOPE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code}:\n${output}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh browser (its own profile directory: nothing shared with other contexts). */
export async function openBrowser(width = 1440, height = 900): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'lockscope-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `web-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The canvas's drawn-summary attributes, as numbers. */
export async function drawn(page: Page): Promise<Record<string, number>> {
  return page.$eval('[data-testid="timeline-canvas"]', (c) => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries((c as HTMLCanvasElement).dataset)) out[k] = Number(v);
    return out;
  });
}

/** Counts canvas pixels of an exact colour (e.g. the wait colour) in the plot. */
export async function countPixels(page: Page, rgb: [number, number, number]): Promise<number> {
  return page.$eval(
    '[data-testid="timeline-canvas"]',
    (c, [r, g, b]) => {
      const canvas = c as HTMLCanvasElement;
      const ctx = canvas.getContext('2d');
      if (!ctx) return -1;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) n++;
      return n;
    },
    rgb,
  );
}

/** Waits until each drawn-summary attribute named in `atLeast` reaches its minimum. */
export async function waitForDrawn(page: Page, atLeast: Record<string, number>, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (mins) => {
      const c = document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement | null;
      if (!c) return false;
      return Object.entries(mins).every(([k, v]) => Number(c.dataset[k]) >= v);
    },
    atLeast,
    { timeout, polling: 200 },
  );
}

/** Runs a simulation as fast as possible to its end and records it; returns the recording. */
export async function recordedRun(url: string, config: { scenario: string; preset: string; seed: number; params?: Record<string, number> }): Promise<{ id: string; url: string }> {
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const run = (await (await post('/api/runs', { ...config, speed: 'max' })).json()) as { id: string };
  for (let i = 0; i < 600; i++) {
    const state = ((await (await fetch(`${url}/api/runs/${run.id}`)).json()) as { state: string }).state;
    if (state !== 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (await (await post(`/api/runs/${run.id}/recording`, {})).json()) as { id: string; url: string };
}

/** The server and a browser, started before the tests of the calling describe block and stopped
 * after them; read `server` and `browser` inside the tests. */
export function serverAndBrowser(width = 1440, height = 900): { readonly server: RunningServer; readonly browser: Browser } {
  const ctx: { server?: RunningServer; browser?: Browser } = {};
  beforeAll(async () => {
    ctx.server = await startServer();
    ctx.browser = await openBrowser(width, height);
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return {
    get server(): RunningServer {
      if (!ctx.server) throw new Error('the server is not started yet (use it inside a test)');
      return ctx.server;
    },
    get browser(): Browser {
      if (!ctx.browser) throw new Error('the browser is not open yet (use it inside a test)');
      return ctx.browser;
    },
  };
}
