import { describe, expect, it } from 'vitest';
import { Trace } from '@lockscope/trace';
import { TimelineIndex } from '../derived/timelineIndex.js';
import { computeLayout, type Row } from './layout.js';

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
