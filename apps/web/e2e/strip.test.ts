// The strip of the most contended locks stays fixed at the top of the plot while the lanes scroll
// beneath it (as Perfetto's pinned tracks): drawn at the same place, with the same pixels, and the
// pointer on it finds the strip's lock, not the thread lane scrolled under it.

import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { recordedRun, screenshot, serverAndBrowser, skipReason, waitForDrawn } from './harness.js';

const reason = skipReason();

/** "name@y" pairs of a canvas attribute (the fixed rows, or the lanes laid out). */
async function rowsOf(page: Page, testid: string, key: string): Promise<Array<{ name: string; y: number }>> {
  const v = await page.$eval(`[data-testid="${testid}"]`, (c, k) => (c as HTMLCanvasElement).dataset[k] ?? '', key);
  return v
    .split(',')
    .filter(Boolean)
    .map((p) => ({ name: p.slice(0, p.lastIndexOf('@')), y: Number(p.slice(p.lastIndexOf('@') + 1)) }));
}

/** Scrolls the lanes and waits until they are drawn at that scroll. */
async function scrollLanes(page: Page, top: number): Promise<number> {
  const at = await page.$eval('.timeline-scroll', (el, y) => {
    el.scrollTo(0, y);
    return el.scrollTop;
  }, top);
  await page.waitForFunction((y) => (document.querySelector('[data-testid="timeline-canvas"]') as HTMLCanvasElement).dataset.scrollTop === String(y), at);
  return at;
}

describe.skipIf(reason !== null)('the most contended locks stay on top, in Chromium', () => {
  const ctx = serverAndBrowser(1440, 900);

  it('keeps the strip drawn in place while the lanes scroll beneath it, and hovers hit the strip’s lock', async () => {
    const { page, errors } = ctx.browser;
    const rec = await recordedRun(ctx.server.url, { scenario: 'create-storm', preset: 'libvirt-2013', seed: 1 });
    await page.goto(`${ctx.server.url}${rec.url}`);
    await waitForDrawn(page, { drawnThreadLanes: 1, drawnLockLanes: 3 });
    await page.mouse.move(2, 2);
    const fixed = await rowsOf(page, 'timeline-strip', 'rows');
    const locks = fixed.filter((r) => r.name.startsWith('lock:'));
    expect(locks.length, `fixed rows: ${JSON.stringify(fixed)}`).toBe(3);
    const stripEl = (await page.$('[data-testid="timeline-strip"]'))!;
    const before = (await stripEl.boundingBox())!;
    const stripH = Math.round(before.height);
    const last = fixed[fixed.length - 1];
    expect(stripH).toBe(last.y + 18);
    expect(await stripEl.evaluate((c) => Number((c as HTMLCanvasElement).dataset.drawnLockLanes))).toBe(3);
    const shot = () => page.screenshot({ clip: { x: before.x, y: before.y, width: before.width, height: stripH } });
    const pixelsBefore = await shot();

    // Scroll so that thread lanes lie under the strip (its first lock row over a thread lane).
    const lanes = (await rowsOf(page, 'timeline-canvas', 'laneRows')).filter((r) => !r.name.startsWith('#'));
    const scrollable = await page.$eval('.timeline-scroll', (el) => el.scrollHeight - el.clientHeight);
    expect(scrollable, 'the lanes are taller than the plot').toBeGreaterThan(200);
    const lock = locks[0];
    const target = lanes.find((r) => r.y - lock.y > stripH && r.y - lock.y <= scrollable)!;
    expect(target, `a lane to scroll under the strip among ${JSON.stringify(lanes)}`).toBeTruthy();
    const scrollTop = await scrollLanes(page, target.y - lock.y);
    // The thread lane now beneath the strip's first lock row (in the lanes' own coordinates).
    const beneathY = scrollTop + lock.y + 9;
    const beneath = [...lanes].reverse().find((r) => r.y <= beneathY)!;
    expect(beneath.name).toBe(target.name);

    // The strip is where it was, with the same pixels.
    const after = (await stripEl.boundingBox())!;
    expect(after.y).toBe(before.y);
    expect(after.height).toBe(before.height);
    expect(Buffer.compare(await shot(), pixelsBefore), 'the strip looks the same after the scroll').toBe(0);
    expect(await stripEl.evaluate((c) => Number((c as HTMLCanvasElement).dataset.drawnLockLanes))).toBe(3);
    // The lanes beneath it did scroll.
    const canvas = (await page.$('[data-testid="timeline-canvas"]'))!;
    const box = (await canvas.boundingBox())!;
    expect(box.y).toBeCloseTo(before.y - scrollTop, 0);

    // Hover along the strip's first lock row: every hit is that lock's lane, none the thread beneath.
    const hoverAt = async (f: number): Promise<void> => {
      await page.mouse.move(before.x + 150 + (before.width - 150) * f, before.y + lock.y + 9);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    };
    const seen: string[] = [];
    for (let f = 0.02; f < 1; f += 0.04) {
      await hoverAt(f);
      const lane = await page.$eval('[data-testid="tooltip"]', (t) => t.getAttribute('data-lane')).catch(() => null);
      if (lane) seen.push(lane);
    }
    expect(seen.length, 'hovers on the strip’s lock found its holds').toBeGreaterThanOrEqual(3);
    expect(new Set(seen)).toEqual(new Set([lock.name]));
    // Back on a hold of that lock, for the screenshot (with its tooltip).
    for (let f = 0.02; f < 1 && !(await page.$('[data-testid="tooltip"]')); f += 0.04) await hoverAt(f);
    await screenshot(page, '40-contended-strip-scrolled');

    // Shift-drag on the strip selects a time range; the lanes stay where they were scrolled.
    const y = before.y + locks[1].y + 9;
    await page.keyboard.down('Shift');
    await page.mouse.move(before.x + 150 + (before.width - 150) * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(before.x + 150 + (before.width - 150) * 0.5, y, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.waitForSelector('[data-testid="range-overlay"]');
    expect(await page.$eval('.timeline-scroll', (el) => el.scrollTop)).toBe(scrollTop);
    expect((await stripEl.boundingBox())!.y).toBe(before.y);

    // A lane pinned from the gutter joins the strip, below the locks, and stays on top too.
    const visible = lanes.find((r) => r.y > scrollTop + stripH + 10 && r.y < scrollTop + 400)!;
    await page.mouse.click(box.x + 20, box.y + visible.y + 5);
    await page.click('[data-testid="lane-menu"] button:has-text("Pin to top")');
    await page.waitForFunction((n) => ((document.querySelector('[data-testid="timeline-strip"]') as HTMLCanvasElement).dataset.rows ?? '').includes(`thread:${n}@`), visible.name);
    const pinned = (await rowsOf(page, 'timeline-strip', 'rows')).find((r) => r.name === `thread:${visible.name}`)!;
    expect(pinned.y).toBeGreaterThan(lock.y);
    expect((await stripEl.boundingBox())!.height).toBeGreaterThan(before.height);
    expect((await stripEl.boundingBox())!.y).toBe(before.y);
    await screenshot(page, '41-contended-strip-with-pinned-lane');
    expect(errors).toEqual([]);
  });
});
