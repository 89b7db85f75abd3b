// The dashboard end to end: the real server serving the built app, in Debian's Chromium.
// Every assertion reads what the page actually drew (canvas pixels, the drawn-summary attributes
// computed by the renderer) or what the server sent; screenshots of each step land in
// .ci/artifacts/ for a human to look at.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { NONE, decodeBinaryTrace } from '@lockscope/trace';
import { IntervalKind, TimelineIndex } from '../src/derived/timelineIndex.js';
import { WAIT_RGB } from '../src/timeline/palette.js';
import { countPixels, drawn, openBrowser, screenshot, skipReason, startServer, type Browser, type RunningServer, waitForDrawn, EXPECTED_4XX } from './harness.js';

const reason = skipReason();
if (reason) console.warn(`browser tests skipped: ${reason}`);


async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}


async function startFromForm(page: Page, url: string, preset: string, speed: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.waitForSelector('select[name="scenario"] option', { state: 'attached' });
  await page.selectOption('select[name="scenario"]', 'create-storm');
  await page.selectOption('select[name="preset"]', preset);
  await page.selectOption('select[name="speed"]', speed);
  await page.click('button[type="submit"]');
}

describe.skipIf(reason !== null)('dashboard in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await openBrowser(1440, 900);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('starts a live run and draws thread lanes with waits and holds', async () => {
    const { page } = browser;
    await startFromForm(page, server.url, 'libvirt-2013', '1');
    await screenshot(page, '01-run-starting');
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnWaits: 1, drawnHolds: 1 });
    const d = await drawn(page);
    // The accessible summary is written from the same drawing.
    const summary = await page.textContent('[data-testid="drawn-summary"]');
    expect(summary).toContain(`${d.drawnThreadLanes} thread lanes`);
    expect(summary).toMatch(/\d+ wait bars and \d+ hold bars/);
    // And the canvas really holds wait-coloured pixels.
    expect(await countPixels(page, WAIT_RGB)).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid="connection"]')).toMatch(/live/);
    await screenshot(page, '02-live-run');
    // The wheel zooms (D3 zoom) and stops following the live end.
    const shownBefore = await page.textContent('svg.axis text.window');
    const canvasBox = (await (await page.$('[data-testid="timeline-canvas"]'))!.boundingBox())!;
    await page.mouse.move(canvasBox.x + canvasBox.width * 0.6, canvasBox.y + 60);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((prev) => document.querySelector('svg.axis text.window')?.textContent !== prev, shownBefore);
    expect(await page.isChecked('.follow:not(.idle-toggle) input')).toBe(false);
    await page.click('[data-testid="fit"]');
    expect(await page.isChecked('.follow:not(.idle-toggle) input')).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('changes the strategy live: the mark appears on the axis and the statistics change', async () => {
    const { page } = browser;
    await page.waitForSelector('#knob-list\\.lookup:not([disabled])');
    const before = await page.textContent('[data-testid="stats"]');
    await page.selectOption('#knob-list\\.lookup', 'name-copy');
    // The run marks the change in the trace; the timeline draws it on the axis and the canvas.
    await page.waitForSelector('[data-testid="strategy-mark"]', { timeout: 30_000 });
    await waitForDrawn(page, { drawnMarks: 1 });
    const markTitle = await page.textContent('[data-testid="strategy-mark"] title');
    expect(markTitle).toMatch(/list\.lookup|name-copy/);
    // The run reports the new strategy, and the statistics keep moving after the change.
    await page.waitForFunction(() => (document.querySelector('#knob-list\\.lookup') as HTMLSelectElement | null)?.value === 'name-copy', undefined, { timeout: 30_000 });
    await page.waitForFunction((prev) => document.querySelector('[data-testid="stats"]')?.textContent !== prev, before, { timeout: 30_000 });
    await screenshot(page, '03-strategy-changed');
    expect(browser.errors).toEqual([]);
  });

  it('compares the same workload under another strategy, per API call', async () => {
    const { page } = browser;
    await page.selectOption('select[aria-label="strategy to compare with"]', 'feiner-both');
    await page.click('[data-testid="compare-start"]');
    // The Compare tab opens by itself.
    await page.waitForSelector('button[role="tab"][aria-selected="true"]:has-text("Compare")');
    await page.waitForSelector('[data-testid="table-compare"] tbody tr', { timeout: 60_000 });
    // The compared run finishes its calls (it runs as fast as possible).
    await page
      .waitForFunction(
        () => Array.from(document.querySelectorAll('[data-testid="table-compare"] tbody tr td:nth-child(2)')).some((td) => /\/ [1-9]/.test(td.textContent ?? '')),
        undefined,
        { timeout: 60_000 },
      )
      .catch(async (error: unknown) => {
        await screenshot(page, '04-compare-failed');
        throw error;
      });
    const rows = await page.$$eval('[data-testid="table-compare"] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect(rows.some((r) => /^vir/.test(r ?? ''))).toBe(true);
    // Call by call: the same calls (API call and domain) in both runs.
    await page.waitForSelector('[data-testid="table-per-call"] tbody tr', { timeout: 60_000 });
    const calls = await page.$$eval('[data-testid="table-per-call"] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent ?? ''));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toMatch(/^virDomain\w+ vm-\d+/);
    // The CDF has a legend naming both runs' lines.
    expect(await page.textContent('[data-testid="chart-legend"]')).toContain('(feiner-both)');
    // Both runs are drawn on the shared axis, the compared lanes interleaved with this run's:
    // visible without scrolling.
    await page.$eval('.timeline-scroll', (el) => el.scrollTo(0, 0));
    await waitForDrawn(page, { drawnThreadLanes: 2, drawnCompareLanes: 1, drawnHolds: 1 });
    // Selecting a call outlines the same call in the compared run.
    const box = await page.$eval('[data-testid="timeline-canvas"]', (c) => {
      const r = c.getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width };
    });
    const compareTop = await page.$eval('[data-testid="timeline-canvas"]', (c) => Number((c as HTMLCanvasElement).dataset.compareTop));
    for (let y = Math.max(4, compareTop - 40); y < compareTop; y += 3) {
      await page.mouse.click(box.x + 160, box.y + y);
      if (Number(await page.$eval('[data-testid="timeline-canvas"]', (c) => (c as HTMLCanvasElement).dataset.drawnAligned)) > 0) break;
    }
    await waitForDrawn(page, { drawnAligned: 1 });
    await screenshot(page, '04-compare');
    expect(browser.errors).toEqual([]);
  });

  it('shares a run: a fresh browser opening the URL shows the same trace and view', async () => {
    const { page } = browser;
    await startFromForm(page, server.url, 'libvirt-2013', 'max');
    await page.waitForFunction(() => /complete/.test(document.querySelector('[data-testid="connection"]')?.textContent ?? ''), undefined, { timeout: 90_000 });
    await waitForDrawn(page, { drawnWaits: 1 });
    // Zoom in with the keyboard and select a wait bar.
    await page.click('[data-testid="timeline-canvas"]', { position: { x: 5, y: 5 } });
    for (let i = 0; i < 3; i++) await page.keyboard.press('w');
    await page.keyboard.press('a');
    const box = await page.$eval('[data-testid="timeline-canvas"]', (c) => {
      const r = c.getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width };
    });
    // Click along worker lanes until a bar is selected.
    for (let y = 20; y < 300; y += 7) {
      await page.mouse.click(box.x + box.w * 0.55, box.y + y);
      if (await page.$('[data-testid="details"]')) break;
    }
    await page.waitForSelector('[data-testid="details"]');
    const first = await drawn(page);
    const details = await page.textContent('[data-testid="details"] dl');
    const axisText = await page.textContent('svg.axis text.window');
    await page.click('[data-testid="share"]');
    const shareUrl = await (await page.waitForSelector('[data-testid="share-url"]')).inputValue();
    expect(shareUrl).toMatch(/\/r\/[A-Za-z0-9_-]+\?t0=[\d.]+&t1=[\d.]+&sel=\d+/);
    await screenshot(page, '05-shared');
    // Downloads: Chrome Trace Event JSON (for Perfetto UI) and the binary format.
    const [chrome] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Chrome JSON")')]);
    expect(chrome.suggestedFilename()).toMatch(/\.json$/);
    const chromeJson = JSON.parse(await streamText(await chrome.createReadStream())) as { traceEvents?: unknown[] } | unknown[];
    expect(Array.isArray(chromeJson) ? chromeJson.length : (chromeJson.traceEvents?.length ?? 0)).toBeGreaterThan(0);
    const [binary] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text(".lkscope")')]);
    expect(binary.suggestedFilename()).toMatch(/\.lkscope$/);

    const other = await openBrowser(1440, 900);
    try {
      await other.page.goto(shareUrl);
      await waitForDrawn(other.page, { drawnThreadLanes: 1 });
      await other.page.waitForSelector('[data-testid="details"]');
      const second = await drawn(other.page);
      for (const k of ['drawnWaits', 'drawnHolds', 'drawnSpans', 'drawnThreadLanes', 'drawnMarks']) expect(second[k], k).toBe(first[k]);
      expect(await other.page.textContent('[data-testid="details"] dl')).toBe(details);
      expect(await other.page.textContent('svg.axis text.window')).toBe(axisText);
      await screenshot(other.page, '06-shared-opened-elsewhere');
      expect(other.errors).toEqual([]);
    } finally {
      await other.close();
    }
    expect(browser.errors).toEqual([]);
  });

  it('shows lock lanes with queues, search matches and a wait’s blocking chain to the root holder', async () => {
    const { page } = browser;
    // A finished run, recorded through the API.
    const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const run = (await (await post('/api/runs', { scenario: 'create-storm', preset: 'libvirt-2013', seed: 3, speed: 'max' })).json()) as { id: string };
    for (let i = 0; i < 600; i++) {
      const state = ((await (await fetch(`${server.url}/api/runs/${run.id}`)).json()) as { state: string }).state;
      if (state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const rec = (await (await post(`/api/runs/${run.id}/recording`, {})).json()) as { id: string; url: string };
    // Pick, from the recorded trace itself, a wait whose chain has two steps.
    const bytes = new Uint8Array(await (await fetch(`${server.url}/api/recordings/${rec.id}`)).arrayBuffer());
    const ix = new TimelineIndex(decodeBinaryTrace(bytes));
    ix.update();
    let wait = -1;
    let longest = -1;
    for (let id = 0; id < ix.size; id++) {
      if (ix.kindOf(id) !== IntervalKind.Wait || ix.blockerOf(id) === NONE) continue;
      const steps = ix.chain(id).filter((step) => step.holder !== NONE).length;
      if (steps > longest) {
        longest = steps;
        wait = id;
      }
    }
    expect(wait).toBeGreaterThanOrEqual(0);
    const holders = ix.chain(wait).filter((step) => step.holder !== NONE);
    const root = ix.source.threads[holders[holders.length - 1].holder].name;

    await page.goto(`${server.url}${rec.url}?sel=${wait}`);
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnArrows: 1 });
    // The 2013 storm tells the thread's story: it waits most on the security manager lock.
    await page.click('button[role="tab"]:has-text("Lock classes")');
    const firstClass = await page.waitForSelector('[data-testid="table-lock-class"] tbody tr');
    expect(await firstClass.getAttribute('data-lock-class')).toBe('security-manager');
    const details = await page.waitForSelector('[data-testid="details"]');
    expect(await details.textContent()).toContain('Blocking chain');
    const chainText = await page.$$eval('.chain li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(chainText.length).toBe(holders.length + 1);
    expect(chainText[chainText.length - 1]).toContain(root);
    expect(chainText[chainText.length - 1]).toContain('root holder');
    await screenshot(page, '08-blocking-chain');

    // Lock lanes sit below the thread lanes: scroll to them.
    await page.$eval('.timeline-scroll', (el) => el.scrollTo(0, Number((el.querySelector('canvas') as HTMLCanvasElement).dataset.lockLanesTop)));
    await waitForDrawn(page, { drawnLockLanes: 1, drawnQueuedLockLanes: 1 });
    await screenshot(page, '09-lock-lanes');

    await page.fill('input[type="search"]', 'vm-05');
    await page.$eval('.timeline-scroll', (el) => el.scrollTo(0, 0));
    await waitForDrawn(page, { searchMatches: 1, drawnMatches: 1 });
    await page.waitForSelector('[data-testid="search-count"]:has-text("matches")');
    await screenshot(page, '10-search');
    // Usable at the smallest supported size.
    await page.setViewportSize({ width: 1280, height: 720 });
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnMatches: 1 });
    await screenshot(page, '11-at-1280x720');
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(browser.errors).toEqual([]);
  });

  it('refuses a malformed upload with the server’s message, and opens a recording from the list', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid="upload-input"]', { state: 'attached' });
    await page.setInputFiles('[data-testid="upload-input"]', { name: 'broken.lkscope', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a trace at all') });
    const error = await page.waitForSelector('[data-testid="upload-error"]');
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/refused this file: .{10,}/);
    await screenshot(page, '07-upload-refused');
    // The recordings shared earlier are listed; opening one draws it.
    await page.click('.recordings li:first-child button');
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnHolds: 1 });
    expect(await page.textContent('[data-testid="source-title"]')).toMatch(/recording/);
    await screenshot(page, '12-recording-from-list');
    // A simulation link re-runs the simulation it describes (workload, strategy, seed).
    await page.goto(`${server.url}/s?scenario=create-storm&preset=feiner-both&param.domains=6&seed=2`);
    await waitForDrawn(page, { drawnThreadLanes: 6, drawnHolds: 1 });
    expect(await page.textContent('[data-testid="source-title"]')).toMatch(/create-storm · feiner-both · seed 2/);
    // Its calls finish, and the statistics catch up with them.
    await page.waitForFunction(() => document.querySelector('[data-testid="makespan"]')?.textContent !== '0 ns', undefined, { timeout: 60_000 });
    await screenshot(page, '13-simulation-link');
    expect(browser.errors.filter((e) => !EXPECTED_4XX.test(e))).toEqual([]);
  });
});
