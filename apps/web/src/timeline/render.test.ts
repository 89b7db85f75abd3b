import { describe, expect, it } from 'vitest';
import { Trace } from '@lockscope/trace';
import { TimelineIndex } from '../derived/timelineIndex.js';
import { LOCK_CLASSES } from '@lockscope/trace';
import { computeLayout, DEPTH_H, GUTTER, LOCK_Y } from './layout.js';
import { renderTimeline } from './render.js';
import { CLASS_COLOURS, WAIT_RGB } from './palette.js';

/** Just enough of a 2D context: the lanes arrive through putImageData, the rest is ignored. */
function fakeContext(): { ctx: CanvasRenderingContext2D; image: () => { width: number; height: number; data: Uint8ClampedArray } } {
  let last: { width: number; height: number; data: Uint8ClampedArray } | null = null;
  const noop = (): void => {};
  const ctx = new Proxy(
    {
      createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
      putImageData: (img: { width: number; height: number; data: Uint8ClampedArray }) => {
        last = img;
      },
      measureText: () => ({ width: 10 }),
    } as Record<string, unknown>,
    { get: (target, key: string) => (key in target ? target[key] : noop), set: () => true },
  ) as unknown as CanvasRenderingContext2D;
  return {
    ctx,
    image: () => {
      if (!last) throw new Error('nothing drawn');
      return last;
    },
  };
}

/** One worker holds the domain list for 1 s; a 2 µs wait for the security manager sits inside. */
function longHoldShortWait(): Trace {
  const tr = new Trace();
  const w = tr.addThread('worker-1', 'worker');
  const list = tr.addLock({ name: 'domains', class: 'domain-list', kind: 'mutex' });
  const sec = tr.addLock({ name: 'security', class: 'security-manager', kind: 'mutex' });
  tr.beginSpan(0, w, 'api', 'virDomainCreateXML', 'vm-01');
  tr.request(0, w, list);
  tr.acquired(0, w, list);
  tr.request(500_000_000, w, sec);
  tr.acquired(500_002_000, w, sec);
  tr.released(500_010_000, w, sec);
  tr.released(1_000_000_000, w, list);
  tr.endSpan(1_000_000_000, w);
  return tr;
}

function pixelsInRow(img: { width: number; height: number; data: Uint8ClampedArray }, y: number, rgb: readonly number[]): number {
  let n = 0;
  for (let x = GUTTER; x < img.width; x++) {
    const i = (y * img.width + x) * 4;
    if (img.data[i] === rgb[0] && img.data[i + 1] === rgb[1] && img.data[i + 2] === rgb[2]) n++;
  }
  return n;
}

function rgbOf(hex: string): number[] {
  const n = parseInt(hex.slice(1), 16);
  return [n >> 16, (n >> 8) & 0xff, n & 0xff];
}

describe('renderTimeline', () => {
  it('keeps a 2 µs wait visible inside a 1 s hold at every zoom (waiting beats holding)', () => {
    const ix = new TimelineIndex(longHoldShortWait());
    ix.update();
    const layout = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }]);
    const lane = layout.rows.find((r) => r.type === 'thread')!;
    // The security manager is taken inside the domain-list hold: its wait is on the second row.
    const y = lane.y + LOCK_Y + DEPTH_H + 2;
    for (const span of [1e9, 1e8, 1e7, 1e6, 1e5]) {
      const { ctx, image } = fakeContext();
      const t0 = 500_000_000 - span / 2;
      const summary = renderTimeline({ ctx, width: 800, height: layout.height, layout, indexes: { main: ix }, t0, t1: t0 + span });
      expect(summary.waits, `span ${span}`).toBe(1);
      expect(summary.holds, `span ${span}`).toBeGreaterThanOrEqual(1);
      // (hatching covers some pixel rows of a one-pixel wait: look at the row's upper part)
      const img = image();
      expect([0, 1, 2, 3].reduce((n, k) => n + pixelsInRow(img, y - 2 + k, WAIT_RGB), 0), `span ${span}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('draws a hold nested in another on the row below it, in its own class colour', () => {
    const ix = new TimelineIndex(longHoldShortWait());
    ix.update();
    const layout = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }]);
    const lane = layout.rows.find((r) => r.type === 'thread')!;
    expect(lane.type === 'thread' && lane.depthRows).toBe(2);
    const sec = LOCK_CLASSES.indexOf('security-manager');
    const list = LOCK_CLASSES.indexOf('domain-list');
    // Around the 8 µs security-manager hold: both holds drawn, one above the other.
    for (const span of [1e5, 4e4]) {
      const { ctx, image } = fakeContext();
      const t0 = 500_006_000 - span / 2;
      const s = renderTimeline({ ctx, width: 800, height: layout.height, layout, indexes: { main: ix }, t0, t1: t0 + span });
      expect(s.classHolds[sec], `span ${span}`).toBe(1);
      expect(s.nestedClassHolds[sec], `span ${span}`).toBe(1);
      expect(s.nestedClassHolds[list], `span ${span}`).toBe(0);
      expect(s.depthRows).toBe(2);
      expect(pixelsInRow(image(), lane.y + LOCK_Y + 2, rgbOf(CLASS_COLOURS['domain-list'])), `span ${span}`).toBeGreaterThan(600);
      expect(pixelsInRow(image(), lane.y + LOCK_Y + DEPTH_H + 2, rgbOf(CLASS_COLOURS['security-manager'])), `span ${span}`).toBeGreaterThan(10);
      // And not on the outer row: the outer hold is not covered.
      expect(pixelsInRow(image(), lane.y + LOCK_Y + 2, rgbOf(CLASS_COLOURS['security-manager'])), `span ${span}`).toBe(0);
    }
  });

  it('tells every lock class and the waits apart by colour', () => {
    const colours = [...Object.values(CLASS_COLOURS), '#' + WAIT_RGB.map((c) => c.toString(16).padStart(2, '0')).join('')].map(rgbOf);
    for (let i = 0; i < colours.length; i++)
      for (let j = i + 1; j < colours.length; j++) {
        const d = Math.hypot(colours[i][0] - colours[j][0], colours[i][1] - colours[j][1], colours[i][2] - colours[j][2]);
        expect(d, `${i} vs ${j}`).toBeGreaterThan(60);
      }
  });

  it('draws from the pyramid when zoomed out and from raw intervals when zoomed in', () => {
    const ix = new TimelineIndex(longHoldShortWait());
    ix.update();
    const layout = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }]);
    const out = renderTimeline({ ctx: fakeContext().ctx, width: 800, height: layout.height, layout, indexes: { main: ix }, t0: 0, t1: 1e9 });
    expect(out.lodLanes).toBe(1);
    const zoomed = renderTimeline({ ctx: fakeContext().ctx, width: 800, height: layout.height, layout, indexes: { main: ix }, t0: 499_999_000, t1: 500_020_000 });
    expect(zoomed.rawLanes).toBe(1);
    expect(zoomed.waits).toBe(1);
  });

  it('draws nothing but lanes for an empty window after the trace', () => {
    const ix = new TimelineIndex(longHoldShortWait());
    ix.update();
    const layout = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }]);
    const s = renderTimeline({ ctx: fakeContext().ctx, width: 800, height: layout.height, layout, indexes: { main: ix }, t0: 2e9, t1: 3e9 });
    expect(s).toMatchObject({ waits: 0, holds: 0, spans: 0, threadLanes: 1 });
  });
});
