// The page around the timeline: a run cut at the server's event limit says so everywhere, unknown
// links and paths get a page with a way back, an upload error shows where the file was dropped,
// and the dashboard fits a 1000 px wide window (side panel folded or not, tooltips inside it).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, recordedRun, screenshot, skipReason, startServer, waitForDrawn, type Browser, type RunningServer, EXPECTED_4XX } from './harness.js';

const reason = skipReason();
const LIMIT = 2000;

describe.skipIf(reason !== null)('pages around the timeline, in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    // A small event limit, so that the default run is cut short.
    server = await startServer({ LOCKSCOPE_MAX_EVENTS_PER_RUN: String(LIMIT) });
    browser = await openBrowser(1000, 700);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('tells a run cut at the event limit apart from a complete one: banner, status, recording', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/s?scenario=create-storm&preset=libvirt-2013&seed=1`);
    await page.waitForSelector('[data-testid="truncated-banner"]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid="truncated-banner"]')).toContain(LIMIT.toLocaleString('en-US'));
    await page.waitForFunction(() => /incomplete/.test(document.querySelector('[data-testid="connection"]')?.textContent ?? ''));
    expect(await page.textContent('[data-testid="connection"]')).not.toMatch(/complete$/);
    await screenshot(page, '30-truncated');
    // Recorded, the recording says it too.
    const rec = await recordedRun(server.url, { scenario: 'create-storm', preset: 'libvirt-2013', seed: 1 });
    const info = (await (await fetch(`${server.url}/api/recordings/${rec.id}/info`)).json()) as { config: { truncated?: { reason: string } } };
    expect(info.config.truncated?.reason).toBe('event-limit');
    await page.goto(`${server.url}${rec.url}`);
    await page.waitForSelector('[data-testid="truncated-banner"]');
    expect(await page.textContent('[data-testid="connection"]')).toMatch(/incomplete/);
    expect(browser.errors).toEqual([]);
  });

  it('answers unknown links and paths with a page and a way back (and API clients with JSON)', async () => {
    const { page } = browser;
    for (const [path, title] of [
      ['/r/AAAAAAAAAAAAAAAAAAAAAA', 'No such recording'],
      ['/no/such/page', 'Page not found'],
      ['/s?scenario=no-such-scenario', 'This simulation link is not valid'],
    ]) {
      const res = await page.goto(`${server.url}${path}`);
      expect(res?.status(), path).toBeGreaterThanOrEqual(400);
      expect(res?.headers()['content-type'], path).toMatch(/text\/html/);
      const problem = await page.waitForSelector('[data-testid="problem-page"]');
      expect(await problem.textContent(), path).toContain(title);
      if (path.startsWith('/s')) expect(await problem.textContent()).toMatch(/scenario/);
    }
    await screenshot(page, '31-not-found');
    await page.click('[data-testid="back-to-start"]');
    await page.waitForSelector('select[name="scenario"]');
    expect(new URL(page.url()).pathname).toBe('/');
    const api = await fetch(`${server.url}/r/AAAAAAAAAAAAAAAAAAAAAA`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: string }).error).toBe('not_found');
    expect(browser.errors.filter((e) => !EXPECTED_4XX.test(e))).toEqual([]);
    browser.errors.length = 0;
  });

  it('shows an upload error next to the drop zone, in view', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.setInputFiles('[data-testid="upload-input"]', { name: 'broken.lkscope', mimeType: 'application/octet-stream', buffer: Buffer.from('not a trace') });
    const error = await page.waitForSelector('.dropzone [data-testid="upload-error"]');
    const box = (await error.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(700);
    expect(box.y).toBeGreaterThanOrEqual(0);
    await screenshot(page, '32-upload-error');
    expect(browser.errors.filter((e) => !EXPECTED_4XX.test(e))).toEqual([]);
    browser.errors.length = 0;
  });

  it('fits 1000 px: no sideways scrolling, Fit fills the visible plot, tooltips stay inside', async () => {
    const { page } = browser;
    const rec = await recordedRun(server.url, { scenario: 'create-storm', preset: 'libvirt-2013', seed: 2, params: { domains: 4 } });
    await page.goto(`${server.url}${rec.url}`);
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnHolds: 1 });
    const scrollW = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollW).toBeLessThanOrEqual(1000);
    const canvasRight = await page.$eval('[data-testid="timeline-canvas"]', (c) => c.getBoundingClientRect().right);
    expect(canvasRight).toBeLessThanOrEqual(1000);
    await screenshot(page, '33-at-1000');
    // Folding the side panel widens the plot; Fit shows the whole run in it.
    const before = await page.$eval('[data-testid="timeline-canvas"]', (c) => c.getBoundingClientRect().width);
    await page.click('[data-testid="side-toggle"]');
    await page.waitForFunction((w) => document.querySelector('[data-testid="timeline-canvas"]')!.getBoundingClientRect().width > w, before);
    await page.click('[data-testid="fit"]');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1000);
    // A tooltip near the right edge opens to the left of the pointer, inside the window.
    const c = (await (await page.$('[data-testid="timeline-canvas"]'))!.boundingBox())!;
    let tip = null;
    for (let y = 30; y < 200 && !tip; y += 4) {
      for (const x of [c.width - 6, c.width - 30, c.width - 80]) {
        await page.mouse.move(c.x + x, c.y + y);
        tip = await page.$('[data-testid="tooltip"]');
        if (tip) break;
      }
    }
    expect(tip).not.toBeNull();
    const t = (await tip!.boundingBox())!;
    expect(t.x + t.width).toBeLessThanOrEqual(1000);
    expect(t.y + t.height).toBeLessThanOrEqual(700);
    await screenshot(page, '34-at-1000-folded');
    expect(browser.errors).toEqual([]);
  });
});
