import { describe, expect, it } from 'vitest';
import { Trace } from '@lockscope/trace';
import { TimelineIndex } from '../derived/timelineIndex.js';
import { computeLayout, GUTTER, LOCK_Y } from './layout.js';
import { renderTimeline } from './render.js';
import { WAIT_RGB } from './palette.js';

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

function waitPixelsInLockRow(img: { width: number; height: number; data: Uint8ClampedArray }, y: number): number {
  let n = 0;
  for (let x = GUTTER; x < img.width; x++) {
    const i = (y * img.width + x) * 4;
    if (img.data[i] === WAIT_RGB[0] && img.data[i + 1] === WAIT_RGB[1] && img.data[i + 2] === WAIT_RGB[2]) n++;
  }
  return n;
}

describe('renderTimeline', () => {
  it('keeps a 2 µs wait visible inside a 1 s hold at every zoom (waiting beats holding)', () => {
    const ix = new TimelineIndex(longHoldShortWait());
    ix.update();
    const layout = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }]);
    const lane = layout.rows.find((r) => r.type === 'thread')!;
    const y = lane.y + LOCK_Y + 2;
    for (const span of [1e9, 1e8, 1e7, 1e6, 1e5]) {
      const { ctx, image } = fakeContext();
      const t0 = 500_000_000 - span / 2;
      const summary = renderTimeline({ ctx, width: 800, height: layout.height, layout, indexes: { main: ix }, t0, t1: t0 + span });
      expect(summary.waits, `span ${span}`).toBe(1);
      expect(summary.holds, `span ${span}`).toBeGreaterThanOrEqual(1);
      expect(waitPixelsInLockRow(image(), y), `span ${span}`).toBeGreaterThanOrEqual(1);
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
