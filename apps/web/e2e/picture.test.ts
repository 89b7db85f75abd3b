// What the timeline shows, checked against the trace it was given: nested holds drawn one row
// below the hold they are taken in, in their own class colour (counts from the renderer and
// canvas pixels), and the wheel zooming in and back out to where it was.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LOCK_CLASSES, decodeBinaryTrace } from '@lockscope/trace';
import { IntervalKind, TimelineIndex } from '../src/derived/timelineIndex.js';
import { isIdle } from '../src/timeline/layout.js';
import { CLASS_COLOURS } from '../src/timeline/palette.js';
import { rangeStats } from '../src/derived/range.js';
import { blameByLock, callOf, timeByLock } from '../src/derived/blame.js';
import { formatNs } from '../src/format.js';
import { drawn, openBrowser, recordedRun, screenshot, skipReason, startServer, waitForDrawn, type Browser, type RunningServer } from './harness.js';

const reason = skipReason();

function rgbOf(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [n >> 16, (n >> 8) & 0xff, n & 0xff];
}

/** "class:n,class:n" as a record. */
async function classCounts(page: Page, key: string): Promise<Record<string, number>> {
  const v = await page.$eval('[data-testid="timeline-canvas"]', (c, k) => (c as HTMLCanvasElement).dataset[k] ?? '', key);
  return Object.fromEntries(v.split(',').map((p) => [p.split(':')[0], Number(p.split(':')[1])]));
}

/** Canvas pixels of colour `inner` with a pixel of colour `outer` above them in the same column (within `reach` device px). */
async function stackedPixels(page: Page, inner: [number, number, number], outer: [number, number, number], reach: number): Promise<number> {
  return page.$eval(
    '[data-testid="timeline-canvas"]',
    (c, [a, b, r]) => {
      const canvas = c as HTMLCanvasElement;
      const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const is = (i: number, rgb: number[]) => data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2];
      let n = 0;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          if (!is((y * width + x) * 4, a)) continue;
          for (let k = 1; k <= r && y - k >= 0; k++) {
            if (is(((y - k) * width + x) * 4, b)) {
              n++;
              break;
            }
          }
        }
      return n;
    },
    [inner, outer, reach] as const,
  );
}

async function windowOf(page: Page): Promise<{ t0: number; t1: number }> {
  return page.$eval('[data-testid="timeline-canvas"]', (c) => ({ t0: Number((c as HTMLCanvasElement).dataset.windowT0), t1: Number((c as HTMLCanvasElement).dataset.windowT1) }));
}

describe.skipIf(reason !== null)('the timeline tells the truth, in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let rec: { id: string; url: string };
  let ix: TimelineIndex;

  beforeAll(async () => {
    server = await startServer();
    browser = await openBrowser(1600, 900);
    rec = await recordedRun(server.url, { scenario: 'create-storm', preset: 'libvirt-2013', seed: 1 });
    ix = new TimelineIndex(decodeBinaryTrace(new Uint8Array(await (await fetch(`${server.url}/api/recordings/${rec.id}`)).arrayBuffer())));
    ix.update();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('draws a security-manager hold nested in another hold one row below it, in its own colour', async () => {
    const { page } = browser;
    const sec = LOCK_CLASSES.indexOf('security-manager');
    // From the trace: the longest security-manager hold taken while its thread held another lock.
    let inner = -1;
    let outer = -1;
    for (let id = 0; id < ix.size; id++) {
      if (ix.kindOf(id) !== IntervalKind.Hold || ix.lockClassOf(ix.refOf(id)) !== sec || ix.depth.data[id] === 0) continue;
      if (inner >= 0 && ix.endOf(id) - ix.startOf(id) <= ix.endOf(inner) - ix.startOf(inner)) continue;
      const lane = ix.threadLanes[ix.threadOf(id)];
      // The hold one depth up that covers it.
      lane.holds.forEachInSlot(ix.depth.data[id] - 1, ix.times(), ix.startOf(id), ix.startOf(id), (h) => {
        if (ix.startOf(h) <= ix.startOf(id) && ix.endOf(h) >= ix.endOf(id)) {
          inner = id;
          outer = h;
        }
      });
    }
    expect(inner, 'the run holds the security manager inside another lock').toBeGreaterThanOrEqual(0);
    const outerClass = LOCK_CLASSES[ix.lockClassOf(ix.refOf(outer))];
    expect(outerClass).not.toBe('security-manager');
    const s = ix.startOf(inner);
    const e = ix.endOf(inner);
    // The nested hold over about a quarter of the plot.
    const t0 = Math.max(ix.startOf(outer), s - 1.5 * (e - s));
    const t1 = Math.min(ix.endOf(outer), e + 1.5 * (e - s));
    // Selected by the link: its lane is scrolled into view.
    await page.goto(`${server.url}${rec.url}?t0=${t0}&t1=${t1}&sel=${inner}`);
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnNestedHolds: 1 }).catch(async (error: unknown) => {
      await screenshot(page, '20-nested-holds-failed');
      throw new Error(`${String(error)}; drawn: ${JSON.stringify(await drawn(page))}; window ${t0}..${t1}`);
    });
    const nested = await classCounts(page, 'drawnNestedClassHolds');
    expect(nested['security-manager']).toBeGreaterThanOrEqual(1);
    const all = await classCounts(page, 'drawnClassHolds');
    expect(all[outerClass]).toBeGreaterThanOrEqual(1);
    expect((await drawn(page)).drawnDepthRows).toBeGreaterThanOrEqual(2);
    // Pixels: the security-manager colour with the outer hold's colour right above it.
    const stacked = await stackedPixels(page, rgbOf(CLASS_COLOURS['security-manager']), rgbOf(CLASS_COLOURS[outerClass]), 40);
    expect(stacked).toBeGreaterThan(50);
    // The legend shows the same colour for the class.
    expect(await page.getAttribute('[data-testid="legend"] [data-class="security-manager"] .swatch', 'data-colour')).toBe(CLASS_COLOURS['security-manager']);
    expect(await page.textContent('[data-testid="drawn-summary"]')).toContain('security-manager');
    await screenshot(page, '20-nested-holds');
    // Zoomed out to the whole run, the nested rows are still drawn.
    await page.click('[data-testid="fit"]');
    await waitForDrawn(page, { drawnNestedHolds: 1 });
    expect((await classCounts(page, 'drawnNestedClassHolds'))['security-manager']).toBeGreaterThanOrEqual(1);
    await screenshot(page, '21-default-run');
    expect(browser.errors).toEqual([]);
  });

  it('zooms in three wheel turns and out three, and is back where it was', async () => {
    const { page } = browser;
    await page.goto(`${server.url}${rec.url}`);
    await waitForDrawn(page, { drawnThreadLanes: 1 });
    const box = (await (await page.$('[data-testid="timeline-canvas"]'))!.boundingBox())!;
    // Zoom in first with the keyboard, so zooming out is not stopped by the trace's ends.
    await page.click('[data-testid="timeline-canvas"]', { position: { x: 5, y: 5 } });
    for (let i = 0; i < 4; i++) await page.keyboard.press('w');
    await page.mouse.move(box.x + box.width * 0.6, box.y + 40);
    const start = await windowOf(page);
    const spans: number[] = [start.t1 - start.t0];
    const turn = async (dy: number): Promise<void> => {
      const before = await windowOf(page);
      await page.mouse.wheel(0, dy);
      await page.waitForFunction((b) => Number((document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.windowT0) !== b.t0 || Number((document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.windowT1) !== b.t1, before);
      // More than d3's 150 ms wheel gesture: each turn is a gesture of its own.
      await page.waitForTimeout(250);
      const w = await windowOf(page);
      spans.push(w.t1 - w.t0);
    };
    for (let i = 0; i < 3; i++) await turn(-200);
    for (let i = 0; i < 3; i++) await turn(200);
    const end = await windowOf(page);
    // Each turn in narrows by the same factor; each turn out widens by it.
    const ratios = spans.slice(1).map((s, i) => s / spans[i]);
    for (const r of ratios.slice(0, 3)) expect(r).toBeCloseTo(ratios[0], 6);
    for (const r of ratios.slice(3)) expect(r).toBeCloseTo(1 / ratios[0], 6);
    expect(ratios[0]).toBeLessThan(1);
    expect(Math.abs(end.t1 - end.t0 - (start.t1 - start.t0)) / (start.t1 - start.t0)).toBeLessThan(1e-6);
    expect(Math.abs(end.t0 - start.t0) / (start.t1 - start.t0)).toBeLessThan(1e-6);
    expect(browser.errors).toEqual([]);
  });

  it('selects a time range along the axis: statistics of that range, kept in the share link', async () => {
    const { page } = browser;
    await page.goto(`${server.url}${rec.url}`);
    await waitForDrawn(page, { drawnThreadLanes: 1 });
    const whole = await page.textContent('[data-testid="wait-total"]');
    const axis = (await (await page.$('[data-testid="time-axis"]'))!.boundingBox())!;
    const plotX = (f: number) => axis.x + 150 + (axis.width - 150) * f;
    await page.mouse.move(plotX(0.2), axis.y + 10);
    await page.mouse.down();
    await page.mouse.move(plotX(0.4), axis.y + 10, { steps: 4 });
    await page.mouse.move(plotX(0.6), axis.y + 10, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('[data-testid="range-note"]');
    await page.waitForFunction((w) => document.querySelector('[data-testid="wait-total"]')?.textContent !== w, whole);
    // The range is in the share link; the figures are those of the trace cut to it.
    await page.click('[data-testid="share"]');
    const shareUrl = await (await page.waitForSelector('[data-testid="share-url"]')).inputValue();
    const q = new URL(shareUrl).searchParams;
    const r0 = Number(q.get('r0'));
    const r1 = Number(q.get('r1'));
    const { t0, t1 } = await windowOf(page);
    expect(r0).toBeCloseTo(t0 + 0.2 * (t1 - t0), -7);
    expect(r1).toBeCloseTo(t0 + 0.6 * (t1 - t0), -7);
    const expected = rangeStats(ix, r0, r1);
    expect(await page.textContent('[data-testid="wait-total"]')).toBe(formatNs(expected.waitTotal));
    expect(expected.waitTotal).toBeGreaterThan(0);
    await screenshot(page, '22-range-selection');
    // Opened elsewhere, the link shows the same range and figures.
    const other = await openBrowser(1600, 900);
    try {
      await other.page.goto(shareUrl);
      await other.page.waitForSelector('[data-testid="range-note"]');
      await other.page.waitForFunction((w) => document.querySelector('[data-testid="wait-total"]')?.textContent === w, formatNs(expected.waitTotal));
      expect(other.errors).toEqual([]);
    } finally {
      await other.close();
    }
    // Esc goes back to the whole trace.
    await page.click('[data-testid="timeline-canvas"]', { position: { x: 5, y: 5 } });
    await page.keyboard.press('Escape');
    await page.waitForFunction((w) => document.querySelector('[data-testid="wait-total"]')?.textContent === w, whole);
    expect(browser.errors).toEqual([]);
  });

  it('steps through search matches with Enter and Shift+Enter', async () => {
    const { page } = browser;
    await page.goto(`${server.url}${rec.url}`);
    await waitForDrawn(page, { drawnThreadLanes: 1 });
    await page.fill('input[type="search"]', 'vm-05');
    await waitForDrawn(page, { searchMatches: 1 });
    const n = (await drawn(page)).searchMatches;
    await page.press('input[type="search"]', 'Enter');
    await page.waitForSelector(`[data-testid="search-count"]:has-text("1 of ${n.toLocaleString('en-US')} matches")`);
    // The match is selected and in view.
    expect(await (await page.waitForSelector('[data-testid="details"]')).textContent()).toMatch(/vm-05|domain vm-05/);
    await page.press('input[type="search"]', 'Enter');
    await page.waitForSelector(`[data-testid="search-count"]:has-text("2 of")`);
    await page.press('input[type="search"]', 'Shift+Enter');
    await page.press('input[type="search"]', 'Shift+Enter');
    await page.waitForSelector(`[data-testid="search-count"]:has-text("${n.toLocaleString('en-US')} of ${n.toLocaleString('en-US')}")`);
    await screenshot(page, '23-search-step');
    expect(browser.errors).toEqual([]);
  });

  it('says why a lock was held long, and where a selected call spent its time, as the trace does', async () => {
    const { page } = browser;
    // The call that waited most, from the trace.
    let call = -1;
    let most = -1;
    for (let id = 0; id < ix.size; id++) {
      if (callOf(ix, id) !== id) continue;
      const w = timeByLock(ix, id).reduce((n, r) => n + r.waited, 0);
      if (w > most) {
        most = w;
        call = id;
      }
    }
    await page.goto(`${server.url}${rec.url}?sel=${call}`);
    const table = await page.waitForSelector('[data-testid="call-by-lock"]');
    const shown = await table.$$eval('tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => (td.textContent ?? '').trim())));
    const expected = timeByLock(ix, call).slice(0, 8);
    expect(shown.map((r) => r[0])).toEqual(expected.map((r) => r.name));
    expect(shown.map((r) => r[1])).toEqual(expected.map((r) => (r.waited > 0 ? formatNs(r.waited) : '—')));
    expect(shown.map((r) => r[2])).toEqual(expected.map((r) => formatNs(r.held)));
    await page.click('button[role="tab"]:has-text("Why held long")');
    const blame = await page.waitForSelector('[data-testid="table-blame"]');
    const first = await blame.$$eval('tbody tr:first-child td', (tds) => tds.map((td) => (td.textContent ?? '').trim()));
    const top = blameByLock(ix)[0];
    expect(first[0]).toBe(top.name);
    expect(first[1]).toBe(formatNs(top.waited));
    await screenshot(page, '24-blame-and-call');
    expect(browser.errors).toEqual([]);
  });

  it('hides idle lanes by default, and pins, reorders and folds lanes from the gutter', async () => {
    const { page } = browser;
    await page.goto(`${server.url}${rec.url}`);
    await waitForDrawn(page, { drawnThreadLanes: 1 });
    const lanes = async (): Promise<Array<[string, number]>> =>
      (await page.$eval('[data-testid="timeline-canvas"]', (c) => (c as HTMLCanvasElement).dataset.laneRows ?? '')).split(',').filter(Boolean).map((p) => {
        const at = p.lastIndexOf('@');
        return [p.slice(0, at), Number(p.slice(at + 1))] as [string, number];
      });
    const threads = async () => (await lanes()).filter(([n]) => !n.startsWith('#')).map(([n]) => n);
    // The lanes shown are the threads that did something, from the trace.
    const active = ix.source.threads.filter((t) => !isIdle(ix, t.id)).map((t) => t.name);
    expect((await threads()).sort()).toEqual([...active].sort());
    expect(active.length).toBeLessThan(ix.source.threads.length);
    await page.check('[data-testid="show-idle"]');
    await page.waitForFunction((n) => ((document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.laneRows ?? '').split(',').filter((p) => !p.startsWith('#')).length === n, ix.source.threads.length);
    await page.uncheck('[data-testid="show-idle"]');
    const box = (await (await page.$('[data-testid="timeline-canvas"]'))!.boundingBox())!;
    const clickGutter = async (name: string) => {
      const row = (await lanes()).find(([n]) => n === name)!;
      await page.mouse.click(box.x + 20, box.y + row[1] + 5);
    };
    // Pin the third active lane: it moves to the top.
    const [first, second, third] = active;
    await clickGutter(third);
    await page.click('[data-testid="lane-menu"] button:has-text("Pin to top")');
    await page.waitForFunction((n) => ((document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.laneRows ?? '').split(',').filter((p) => !p.startsWith('#'))[0].startsWith(`${n}@`), third);
    // Move the first lane down one place: the second goes before it.
    await clickGutter(first);
    await page.click('[data-testid="lane-menu"] button:has-text("Move down")');
    await page.waitForFunction(([a, b]) => {
      const names = ((document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.laneRows ?? '').split(',').map((p) => p.slice(0, p.lastIndexOf('@')));
      return names.indexOf(b) >= 0 && names.indexOf(b) < names.indexOf(a);
    }, [first, second]);
    await screenshot(page, '25-lanes-pinned-reordered');
    // Fold the group the first lane is in: its lanes go, the pinned one stays.
    const group = (await lanes()).find(([n]) => n.startsWith('#') && n.includes('Workers'))!;
    await page.mouse.click(box.x + 20, box.y + group[1] + 5);
    await page.waitForFunction((n) => !((document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.laneRows ?? '').includes(`${n}@`), first);
    expect(await threads()).toContain(third);
    expect(browser.errors).toEqual([]);
  });
});
