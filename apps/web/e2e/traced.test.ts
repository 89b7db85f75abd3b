// A traced run of this host's real libvirtd, started from the dashboard: the real server (which
// starts libvirtd with Lockscope's preload recorder) and the built app in Debian's Chromium.
// What was drawn is read from the canvas's drawn-summary attributes and cross-checked against
// the run's own trace, fetched from the server.

import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { decodeBinaryTrace } from '@lockscope/trace';
import { IntervalKind, TimelineIndex } from '../src/derived/timelineIndex.js';
import { searchIntervals } from '../src/timeline/describe.js';
import { drawn, openBrowser, screenshot, skipReason, startServer, type Browser, type RunningServer, waitForDrawn } from './harness.js';

/** Where a command is: PATH, then the sbin folders (Debian installs libvirtd as /usr/sbin/libvirtd). */
function which(cmd: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return null;
}

const browserReason = skipReason();
const libvirtdReason = !which('libvirtd')
  ? 'no libvirtd on this host (apt-get install -y libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86)'
  : !which('gcc')
    ? 'no gcc on this host to build the preload recorder (apt-get install -y gcc libc6-dev)'
    : null;
if (browserReason) console.warn(`traced-run browser tests skipped: ${browserReason}`);
else if (libvirtdReason) console.warn(`traced run from the dashboard skipped: ${libvirtdReason}`);

interface TracedInfo {
  available: boolean;
  missing: string[];
  workloads: string[];
  maxDomains: number;
}


/**
 * Types a search and waits until the page has matched `expected` intervals (what the trace's own
 * index finds) and drawn at least one of them; fails with what the page reports otherwise.
 */
async function searchDrawn(page: Page, query: string, expected: number): Promise<void> {
  await page.fill('input[type="search"]', query);
  await page
    .waitForFunction(
      (n) => {
        const c = document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement | null;
        return !!c && Number(c.dataset.searchMatches) === n && Number(c.dataset.drawnMatches) >= 1;
      },
      expected,
      { timeout: 30_000, polling: 200 },
    )
    .catch(async (error: unknown) => {
      const d = await drawn(page);
      throw new Error(`search ${query}: expected ${expected} matches with one drawn, the page reports ${d.searchMatches} matched and ${d.drawnMatches} drawn (${String(error)})`);
    });
}

describe.skipIf(browserReason !== null)('traced runs in the dashboard', () => {
  let server: RunningServer;
  let browser: Browser;
  let traced: TracedInfo;

  beforeAll(async () => {
    server = await startServer();
    browser = await openBrowser(1440, 900);
    traced = (await (await fetch(`${server.url}/api/traced`)).json()) as TracedInfo;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the start view offers a traced run when the host can, and otherwise says what it lacks', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    const panel = await page.waitForSelector('[data-testid="traced-panel"]');
    expect(await panel.textContent()).toContain('Trace the real libvirtd');
    if (traced.available) {
      await page.waitForSelector('select[name="traced-workload"] option', { state: 'attached' });
      const options = await page.$$eval('select[name="traced-workload"] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(options).toEqual(traced.workloads);
      expect(await page.getAttribute('input[name="traced-domains"]', 'max')).toBe(String(traced.maxDomains));
      // Out of bounds: the form says so and will not start.
      await page.fill('input[name="traced-domains"]', String(traced.maxDomains + 1));
      expect(await page.isDisabled('[data-testid="traced-start"]')).toBe(true);
      await page.fill('input[name="traced-domains"]', '2');
      expect(await page.isDisabled('[data-testid="traced-start"]')).toBe(false);
      await screenshot(page, '08-traced-start');
    } else {
      const note = await page.waitForSelector('[data-testid="traced-unavailable"]');
      const text = (await note.textContent()) ?? '';
      for (const m of traced.missing) expect(text).toContain(m);
      expect(await page.$('[data-testid="traced-start"]')).toBeNull();
      await screenshot(page, '08-traced-unavailable');
    }
    expect(browser.errors).toEqual([]);
  });

  it.skipIf(libvirtdReason !== null)(
    'starts a traced lifecycle run of libvirtd and draws its worker lanes, API calls and domain-object holds',
    async () => {
      const { page } = browser;
      expect(traced.missing, 'the server says this host cannot trace libvirtd').toEqual([]);
      await page.goto(`${server.url}/`);
      await page.waitForSelector('select[name="traced-workload"] option', { state: 'attached' });
      await page.selectOption('select[name="traced-workload"]', 'lifecycle');
      await page.fill('input[name="traced-domains"]', '2');
      await page.click('[data-testid="traced-start"]');

      // Opened like a simulated run: live, with the run's title; no strategy controls.
      await page.waitForFunction(() => /live/.test(document.querySelector('[data-testid="connection"]')?.textContent ?? ''), undefined, { timeout: 30_000 });
      expect(await page.textContent('[data-testid="source-title"]')).toBe('libvirtd (traced) · lifecycle · 2 domains');
      const note = (await page.textContent('[data-testid="strategy-traced"]')) ?? '';
      expect(note).toMatch(/No live strategy changes/);
      expect(await page.$('.strategy .presets')).toBeNull();
      expect(await page.$('.strategy .knobs')).toBeNull();
      expect(await page.$('[data-testid="compare-start"]')).toBeNull();

      // The daemon starts, probes qemu, runs the two lifecycles and stops: seconds, not minutes.
      await page
        .waitForFunction(() => /complete/.test(document.querySelector('[data-testid="connection"]')?.textContent ?? ''), undefined, { timeout: 120_000 })
        .catch(async (error: unknown) => {
          await screenshot(page, '08-traced-run-failed');
          throw error;
        });
      await page.click('[data-testid="fit"]');
      await waitForDrawn(page, { drawnThreadLanes: 2, drawnSpans: 2, drawnHolds: 1 });
      const d = await drawn(page);
      const summary = (await page.textContent('[data-testid="drawn-summary"]')) ?? '';
      expect(summary).toContain(`${d.drawnThreadLanes} thread lanes`);
      expect(summary).toMatch(/\d+ wait bars and [1-9]\d* hold bars/);
      await screenshot(page, '08-traced-run');

      // The run's own trace, from the server, to check what the page matched and drew.
      const runs = ((await (await fetch(`${server.url}/api/runs`)).json()) as { runs: Array<{ id: string; source: string }> }).runs;
      const run = runs.find((r) => r.source === 'traced');
      expect(run, 'the traced run is held by the server').toBeDefined();
      const rec = (await (await fetch(`${server.url}/api/runs/${run!.id}/recording`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { id: string };
      const ix = new TimelineIndex(decodeBinaryTrace(new Uint8Array(await (await fetch(`${server.url}/api/recordings/${rec.id}`)).arrayBuffer())));
      ix.update();
      const tr = ix.source;

      // API-call spans named virDomainDefineXML, one per domain, all on worker threads: the page
      // matched exactly these and drew them.
      const defines = searchIntervals(ix, 'virDomainDefineXML');
      const defineSpans = Array.from(defines).filter((id) => ix.kindOf(id) === IntervalKind.Span);
      expect(defineSpans.length).toBeGreaterThanOrEqual(2);
      const where = defineSpans.map((id) => `${tr.threads[ix.threadOf(id)]?.name}:${tr.threads[ix.threadOf(id)]?.role}:${ix.modeOf(id)}:${tr.labels[ix.refOf(id)]}`);
      // (the recorder names a thread's role from its libvirt name; a thread it has not named yet is 'other')
      expect(defineSpans.some((id) => /^(worker|priority-worker)$/.test(tr.threads[ix.threadOf(id)]?.role ?? '')), where.join(', ')).toBe(true);
      await searchDrawn(page, 'virDomainDefineXML', defines.length);
      await screenshot(page, '08-traced-run-defines');

      // Holds of the domains' object locks (class domain-object, named "domain vm-01"...).
      const domainLocks = searchIntervals(ix, 'domain-object');
      const domainHolds = Array.from(domainLocks).filter((id) => ix.kindOf(id) === IntervalKind.Hold);
      expect(domainHolds.length).toBeGreaterThan(0);
      const heldNames = new Set(domainHolds.map((id) => tr.locks[ix.refOf(id)]?.name ?? ''));
      expect([...heldNames].some((n) => /^domain vm-0[12]$/.test(n))).toBe(true);
      await searchDrawn(page, 'domain-object', domainLocks.length);
      await page.fill('input[type="search"]', '');
      expect(browser.errors).toEqual([]);
    },
    180_000,
  );
});
