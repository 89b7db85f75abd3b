// Vertical layout of the timeline: thread lanes grouped by role, then per-lock lanes, for the
// main trace and (in compare mode) the compared one, on one shared time axis.

import type { ThreadRole } from '@lockscope/trace';
import type { TimelineIndex } from '../derived/timelineIndex.js';
import type { TraceSlot } from '../store/traces.js';

import { MAX_DEPTH_ROWS } from '../derived/timelineIndex.js';

export const GUTTER = 150;
export const LOCK_LANE_H = 18;
export const HEADER_H = 18;
/** Rows inside a thread lane: API calls, phases, then the lock rows (one per hold depth). */
export const SPAN_Y = 1;
export const SPAN_H = 10;
export const PHASE_Y = 12;
export const PHASE_H = 3;
export const LOCK_Y = 16;
/** Height of the lock rows of a lane with one depth; deeper lanes get DEPTH_H per depth. */
export const LOCK_H = 11;
export const DEPTH_H = 6;

/** Height of one lock row of a lane drawing `depthRows` depths. */
export function depthRowH(depthRows: number): number {
  return depthRows <= 1 ? LOCK_H : DEPTH_H;
}

/** Height of a thread lane drawing `depthRows` hold depths. */
export function threadLaneH(depthRows: number): number {
  return LOCK_Y + Math.max(1, depthRows) * depthRowH(depthRows) + 2;
}
/** Height of a lane with one depth (the smallest thread lane). */
export const THREAD_LANE_H = threadLaneH(1);

export type Row =
  | { type: 'header'; slot: TraceSlot; label: string; y: number; h: number }
  | { type: 'thread'; slot: TraceSlot; thread: number; label: string; y: number; h: number; depthRows: number }
  | { type: 'lock'; slot: TraceSlot; lock: number; label: string; y: number; h: number };

export type ThreadRow = Extract<Row, { type: 'thread' }>;
export type LockRow = Extract<Row, { type: 'lock' }>;
export type HeaderRow = Extract<Row, { type: 'header' }>;

export interface Layout {
  rows: Row[];
  height: number;
  /** Each thread's lane per slot, for blocked-by arrows, search matches and the selection. */
  threadRows: Record<TraceSlot, Map<number, ThreadRow>>;
}

const ROLE_GROUPS: Array<{ label: string; roles: ThreadRole[] }> = [
  { label: 'Workers', roles: ['worker'] },
  { label: 'Priority workers', roles: ['priority-worker'] },
  { label: 'Event loop / monitor', roles: ['event-loop', 'monitor'] },
  { label: 'Clients', roles: ['client'] },
  { label: 'Other threads', roles: ['other'] },
];

export interface LayoutInput {
  slot: TraceSlot;
  index: TimelineIndex;
  title?: string;
  /** How many lock lanes to show (most waited-on first). */
  maxLocks: number;
}

export function computeLayout(inputs: LayoutInput[]): Layout {
  const rows: Row[] = [];
  const threadRows: Layout['threadRows'] = { main: new Map(), compare: new Map() };
  let y = 0;
  for (const { slot, index, title, maxLocks } of inputs) {
    const trace = index.source;
    if (title) {
      rows.push({ type: 'header', slot, label: title, y, h: HEADER_H + 4 });
      y += HEADER_H + 4;
    }
    const addGroup = (group: (typeof ROLE_GROUPS)[number]): void => {
      const threads = trace.threads.filter((t) => group.roles.includes(t.role));
      if (threads.length === 0) return;
      rows.push({ type: 'header', slot, label: `${group.label} (${threads.length})`, y, h: HEADER_H });
      y += HEADER_H;
      for (const t of threads) {
        const lane = index.threadLanes[t.id];
        const depthRows = Math.max(1, Math.min(MAX_DEPTH_ROWS, lane ? lane.holds.slots.length : 1));
        const h = threadLaneH(depthRows);
        const row: ThreadRow = { type: 'thread', slot, thread: t.id, label: t.name, y, h, depthRows };
        rows.push(row);
        threadRows[slot].set(t.id, row);
        y += h;
      }
    };
    // The daemon's threads first, then its locks, then the clients (mostly idle lanes).
    for (const group of ROLE_GROUPS) if (!group.roles.includes('client') && !group.roles.includes('other')) addGroup(group);
    const locks = index.lockLanes
      .filter((l) => l.holds.count > 0 || l.waiting > 0)
      .sort((a, b) => b.totalWait - a.totalWait || b.maxWaiting - a.maxWaiting || a.lock - b.lock)
      .slice(0, maxLocks);
    if (locks.length > 0) {
      const total = index.lockLanes.filter((l) => l.holds.count > 0).length;
      rows.push({ type: 'header', slot, label: `Locks: holder and queue depth (${locks.length} of ${total}, most waited-on first)`, y, h: HEADER_H });
      y += HEADER_H;
      for (const l of locks) {
        const info = trace.locks[l.lock];
        rows.push({ type: 'lock', slot, lock: l.lock, label: info.subject && !info.name.includes(info.subject) ? `${info.name} ${info.subject}` : info.name, y, h: LOCK_LANE_H });
        y += LOCK_LANE_H;
      }
    }
    for (const group of ROLE_GROUPS) if (group.roles.includes('client') || group.roles.includes('other')) addGroup(group);
  }
  return { rows, height: y, threadRows };
}
