import { TimelineIndex } from '../derived/timelineIndex.js';
import { syntheticTrace } from '../derived/synthetic.js';
const n = Number(process.argv[2] ?? 2_000_000);
const tr = syntheticTrace({ intervals: n, threads: 24, locks: 32, seed: 11 });
const ix = new TimelineIndex(tr); ix.update();
const per = (b: number) => +(b / ix.size).toFixed(2);
const b = ix.builder; const iv = b.intervals;
const sum = (gs: { data: { byteLength: number } }[]) => gs.reduce((s, g) => s + g.data.byteLength, 0);
const out: Record<string, number> = {
  trace: per(tr.time.byteLength + tr.thread.byteLength + tr.kind.byteLength + tr.ref.byteLength + tr.mode.byteLength + tr.arg.byteLength),
  ivCols: per(iv.startEvent.byteLength + iv.endEvent.byteLength), depth: per(ix.depth.data.byteLength),
  edges: per(b.edges.waitInterval.data.byteLength + b.edges.holdInterval.data.byteLength),
  waitsByThread: per(sum(b.waitsByThread)), holdsByLock: per(sum(b.holdsByLock)),
  threadHoldSlots: per(ix.threadLanes.reduce((s, l) => s + sum(l.holds.slots), 0)),
  spanSlots: per(ix.threadLanes.reduce((s, l) => s + l.spans.reduce((x, sp) => x + sum(sp.slots), 0), 0)),
  lockHoldSlots: per(ix.lockLanes.reduce((s, l) => s + (l.holds.borrowed ? 0 : sum(l.holds.slots)), 0)),
  lockWaitSlots: per(ix.lockLanes.reduce((s, l) => s + sum(l.waits.slots), 0)),
  threadLods: per(ix.threadLanes.reduce((s, l) => s + l.lods.reduce((x, m) => x + m.bytes, 0), 0)),
  spanLods: per(ix.threadLanes.reduce((s, l) => s + l.spanLod.bytes + l.phaseLod.bytes, 0)),
  lockLods: per(ix.lockLanes.reduce((s, l) => s + l.lod.bytes, 0)),
  total: per(ix.bytes),
};
console.log(out, 'edges', b.edges.length, 'trace cap', tr.capacity, tr.length);
