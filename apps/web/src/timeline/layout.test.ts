import { describe, expect, it } from 'vitest';
import { Trace } from '@lockscope/trace';
import { TimelineIndex } from '../derived/timelineIndex.js';
import { computeLayout, splitLayout, HEADER_H, LOCK_LANE_H, type Row } from './layout.js';
import { hitTest, rowAt } from './hit.js';

/** Three workers (the third idle) and a client; w1 and w2 contend on the security lock. */
function run(shift = 0): TimelineIndex {
  const tr = new Trace();
  const w1 = tr.addThread('worker-1', 'worker');
  const w2 = tr.addThread('worker-2', 'worker');
  tr.addThread('worker-3', 'worker');
  tr.addThread('client-1', 'client');
  const sec = tr.addLock({ name: 'security', class: 'security-manager', kind: 'mutex' });
  tr.request(shift, w1, sec);
  tr.acquired(shift, w1, sec);
  tr.request(shift + 10, w2, sec);
  tr.released(shift + 50, w1, sec);
  tr.acquired(shift + 50, w2, sec);
  tr.released(shift + 60, w2, sec);
  const ix = new TimelineIndex(tr);
  ix.update();
  return ix;
}

const names = (rows: Row[]) => rows.map((r) => `${r.type}:${r.slot === 'compare' ? '>' : ''}${r.type === 'header' ? r.label.replace(/[▾▸] /, '') : r.label}`);

describe('computeLayout', () => {
  it('puts the most contended locks on top and hides idle lanes in their group header', () => {
    const l = computeLayout([{ slot: 'main', index: run(), maxLocks: 4 }]);
    expect(names(l.rows)).toEqual(['header:Most contended locks (1)', 'lock:security', 'header:Workers (3, 1 idle hidden)', 'thread:worker-1', 'thread:worker-2', 'header:Clients (1, 1 idle hidden)']);
    const all = computeLayout([{ slot: 'main', index: run(), maxLocks: 4 }], { showIdle: true });
    expect(names(all.rows)).toContain('thread:worker-3');
    expect(names(all.rows)).toContain('thread:client-1');
  });

  it('pins, reorders and folds lanes', () => {
    const ix = run();
    const pinned = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }], { pinned: ['worker-2'] });
    expect(names(pinned.rows).slice(2, 4)).toEqual(['header:Pinned (1)', 'thread:worker-2']);
    const moved = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }], { order: ['worker-2', 'worker-1'] });
    expect(names(moved.rows).filter((n) => n.startsWith('thread'))).toEqual(['thread:worker-2', 'thread:worker-1']);
    const folded = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }], { collapsed: new Set(['main:Workers']) });
    expect(names(folded.rows).filter((n) => n.startsWith('thread'))).toEqual([]);
  });

  it('interleaves the compared run’s lanes right below this run’s, on one layout', () => {
    const l = computeLayout([
      { slot: 'main', index: run(), maxLocks: 4, title: 'This run' },
      { slot: 'compare', index: run(5), maxLocks: 4, title: 'feiner-both' },
    ]);
    const threads = l.rows.filter((r) => r.type === 'thread').map((r) => `${r.slot}:${r.label}`);
    expect(threads).toEqual(['main:worker-1', 'compare:↳ feiner-both', 'main:worker-2', 'compare:↳ feiner-both']);
    expect(l.threadRows.compare.get(0)!.y).toBe(l.threadRows.main.get(0)!.y + l.threadRows.main.get(0)!.h);
  });
});

describe('the fixed strip', () => {
  it('splits the layout: the contended locks and the pinned lanes fixed on top, the rest scrolling below them', () => {
    const ix = run();
    const l = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }], { pinned: ['worker-2'] });
    const { fixed, scrolling } = splitLayout(l);
    expect(names(fixed.rows)).toEqual(['header:Most contended locks (1)', 'lock:security', 'header:Pinned (1)', 'thread:worker-2']);
    expect(names(scrolling.rows)).toEqual(['header:Workers (2, 1 idle hidden)', 'thread:worker-1', 'header:Clients (1, 1 idle hidden)']);
    const last = fixed.rows[fixed.rows.length - 1];
    expect(l.fixedHeight).toBe(last.y + last.h);
    expect(fixed.height).toBe(l.fixedHeight);
    expect(scrolling.rows[0].y).toBe(l.fixedHeight);
    expect(scrolling.height).toBe(l.height);
    // Each part knows only its own thread lanes (the selection and the arrows are drawn where the lane is).
    expect([...fixed.threadRows.main.keys()]).toEqual([1]);
    expect(scrolling.threadRows.main.get(0)?.label).toBe('worker-1');
    // Pinned lanes that would take more than the room given scroll with the others; the strip stays.
    const tight = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }], { pinned: ['worker-2'] }, HEADER_H + LOCK_LANE_H + 5);
    expect(names(splitLayout(tight).fixed.rows)).toEqual(['header:Most contended locks (1)', 'lock:security']);
    expect(tight.fixedHeight).toBe(HEADER_H + LOCK_LANE_H);
  });

  it('hits the fixed row at its pinned y, and not the lane scrolled beneath it', () => {
    const ix = run();
    const l = computeLayout([{ slot: 'main', index: ix, maxLocks: 4 }], { showIdle: true });
    const lock = l.rows[1];
    expect(lock.type).toBe('lock');
    // Scrolled so that worker-1's lane (the first below the strip) lies under the lock's lane.
    const w1 = l.threadRows.main.get(0)!;
    const scrollTop = w1.y - lock.y;
    const y = scrollTop + lock.y + 5;
    expect(rowAt(l, y)).toBe(w1);
    expect(rowAt(l, y, scrollTop)).toBe(lock);
    // The security lock is held over [0, 60] ns: a hover in the middle of the plot finds its hold.
    const width = 150 + 600;
    const hit = hitTest(l, { main: ix }, 150 + 300, y, 0, 60, width, scrollTop);
    expect(hit?.row).toBe(lock);
    // Below the strip the lanes are where they scrolled to.
    expect(rowAt(l, scrollTop + l.fixedHeight + 1, scrollTop)?.y).toBeGreaterThanOrEqual(l.fixedHeight);
  });
});
