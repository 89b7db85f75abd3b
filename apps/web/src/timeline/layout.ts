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
  | { type: 'header'; slot: TraceSlot; label: string; y: number; h: number; /** Group key, when the header folds a group. */ key?: string }
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
  /** The first `fixed` rows (the title, the most contended locks, the pinned lanes) stay at the
   * top of the plot while the others scroll beneath them; they fill y in [0, fixedHeight). */
  fixed: number;
  fixedHeight: number;
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

/** What the user did to the lanes (see the store's lanes slice). */
export interface LaneOptions {
  /** Show lanes that did nothing (collapsed into their group's header by default). */
  showIdle?: boolean;
  /** Group keys (`slot:label`) folded into their header. */
  collapsed?: ReadonlySet<string>;
  /** Thread names pinned at the top, in this order. */
  pinned?: readonly string[];
  /** Thread names in the order the user put them (moved up or down); others keep trace order after them. */
  order?: readonly string[];
}

/** How many of the most contended locks the strip at the top shows. */
export const CONTENDED_STRIP = 3;

type Header = Extract<Row, { type: 'header' }>;

/** A lane did nothing: no call, no hold, no wait (yet). */
export function isIdle(index: TimelineIndex, thread: number): boolean {
  const lane = index.threadLanes[thread];
  return !lane || (lane.spans.length === 0 && lane.holds.count === 0 && lane.waits.count === 0);
}

function lockLabel(index: TimelineIndex, lock: number): string {
  const info = index.source.locks[lock];
  return info.subject && !info.name.includes(info.subject) ? `${info.name} ${info.subject}` : info.name;
}

/** Locks by how much they were waited for (then by longest queue), most first. */
function contendedLocks(index: TimelineIndex): number[] {
  return index.lockLanes
    .filter((l) => l.holds.count > 0 || l.waiting > 0)
    .sort((a, b) => b.totalWait - a.totalWait || b.maxWaiting - a.maxWaiting || a.lock - b.lock)
    .map((l) => l.lock);
}

/**
 * The rows: per trace, a strip of its most contended locks, the pinned lanes, the daemon's
 * threads by role, its locks, then clients and other threads. With a compared run, its thread
 * lanes are interleaved with this run's (same thread name right below), on the same time axis,
 * so both are seen without scrolling.
 */
export function computeLayout(inputs: LayoutInput[], opts: LaneOptions = {}, maxFixedHeight = Infinity): Layout {
  const rows: Row[] = [];
  const threadRows: Layout['threadRows'] = { main: new Map(), compare: new Map() };
  let y = 0;
  const main = inputs.find((i) => i.slot === 'main') ?? inputs[0];
  const other = inputs.find((i) => i !== main);
  if (!main) return { rows, height: 0, threadRows, fixed: 0, fixedHeight: 0 };
  const order = new Map((opts.order ?? []).map((n, i) => [n, i] as const));
  const pinned = opts.pinned ?? [];

  const header = (slot: TraceSlot, label: string, key?: string, h = HEADER_H): void => {
    const row: Header = { type: 'header', slot, label, y, h, key };
    rows.push(row);
    y += h;
  };
  const threadRow = (input: LayoutInput, thread: number, label: string): void => {
    const lane = input.index.threadLanes[thread];
    const depthRows = Math.max(1, Math.min(MAX_DEPTH_ROWS, lane ? lane.holds.slots.length : 1));
    const h = threadLaneH(depthRows);
    const row: ThreadRow = { type: 'thread', slot: input.slot, thread, label, y, h, depthRows };
    rows.push(row);
    threadRows[input.slot].set(thread, row);
    y += h;
  };
  /** A main lane, and below it the compared run's lane of the same thread. */
  const pair = (thread: number): void => {
    const name = main.index.source.threads[thread].name;
    threadRow(main, thread, name);
    if (!other) return;
    const twin = other.index.source.threads.find((t) => t.name === name);
    if (twin) threadRow(other, twin.id, `↳ ${other.title ?? 'compared'}`);
  };
  const lockRows = (input: LayoutInput, locks: number[]): void => {
    for (const l of locks) {
      rows.push({ type: 'lock', slot: input.slot, lock: l, label: lockLabel(input.index, l), y, h: LOCK_LANE_H });
      y += LOCK_LANE_H;
    }
  };

  if (main.title) header(main.slot, other ? `${main.title} · compared lanes (↳ ${other.title ?? 'compared'}) right below each` : main.title, undefined, HEADER_H + 4);

  // The most contended locks, fixed at the top (with the title and the pinned lanes).
  const contended = contendedLocks(main.index);
  const strip = contended.filter((l) => main.index.lockLanes[l].totalWait > 0).slice(0, CONTENDED_STRIP);
  if (strip.length > 0) {
    header(main.slot, `Most contended locks (${strip.length})`);
    lockRows(main, strip);
  }
  let fixed = rows.length;
  let fixedHeight = y;
  // Lanes the user pinned.
  const byName = new Map(main.index.source.threads.map((t) => [t.name, t.id] as const));
  const pinnedIds = pinned.map((n) => byName.get(n)).filter((id): id is number => id !== undefined);
  if (pinnedIds.length > 0) {
    header(main.slot, `Pinned (${pinnedIds.length})`);
    for (const id of pinnedIds) pair(id);
  }
  const pinnedSet = new Set(pinnedIds);
  // The pinned lanes stay on top with the strip, unless together they would fill the plot.
  if (y <= maxFixedHeight) {
    fixed = rows.length;
    fixedHeight = y;
  }

  const addGroup = (group: (typeof ROLE_GROUPS)[number]): void => {
    const threads = main.index.source.threads
      .filter((t) => group.roles.includes(t.role) && !pinnedSet.has(t.id))
      .sort((a, b) => (order.get(a.name) ?? Infinity) - (order.get(b.name) ?? Infinity) || a.id - b.id);
    if (threads.length === 0) return;
    const key = `${main.slot}:${group.label}`;
    const active = opts.showIdle ? threads : threads.filter((t) => !isIdle(main.index, t.id) || (other && !isIdle(other.index, other.index.source.threads.find((x) => x.name === t.name)?.id ?? -1)));
    const idle = threads.length - active.length;
    const folded = opts.collapsed?.has(key) ?? false;
    const note = folded ? ', collapsed' : idle > 0 ? `, ${idle} idle hidden` : '';
    header(main.slot, `${folded ? '▸' : '▾'} ${group.label} (${threads.length}${note})`, key);
    if (folded) return;
    for (const t of active) pair(t.id);
  };
  // The daemon's threads first, then its locks, then the clients (mostly idle lanes).
  for (const group of ROLE_GROUPS) if (!group.roles.includes('client') && !group.roles.includes('other')) addGroup(group);
  for (const input of other ? [main, other] : [main]) {
    // (this run's most contended ones are already in the strip at the top)
    const locks = (input === main ? contended.filter((l) => !strip.includes(l)) : contendedLocks(input.index)).slice(0, input === main ? input.maxLocks : Math.min(input.maxLocks, 8));
    if (locks.length === 0) continue;
    const total = input.index.lockLanes.filter((l) => l.holds.count > 0).length;
    const more = input === main && strip.length > 0 ? 'More locks' : 'Locks';
    header(input.slot, `${input === other ? `Locks of ${other.title ?? 'the compared run'}` : more}: holder and queue depth (${locks.length} of ${total}, most waited-on first)`);
    lockRows(input, locks);
  }
  for (const group of ROLE_GROUPS) if (group.roles.includes('client') || group.roles.includes('other')) addGroup(group);
  // Threads of the compared run that this run does not have.
  if (other) {
    const names = new Set(main.index.source.threads.map((t) => t.name));
    const extra = other.index.source.threads.filter((t) => !names.has(t.name) && !isIdle(other.index, t.id));
    if (extra.length > 0) {
      header(other.slot, `Only in ${other.title ?? 'the compared run'} (${extra.length})`);
      for (const t of extra) threadRow(other, t.id, t.name);
    }
  }
  return { rows, height: y, threadRows, fixed, fixedHeight };
}

/** The layout split into the rows that stay at the top (painted on their own, at y from 0) and
 * the rows that scroll beneath them (at their own y, from `fixedHeight` on). */
export function splitLayout(layout: Layout): { fixed: Layout; scrolling: Layout } {
  const top = layout.rows.slice(0, layout.fixed);
  const threadRows: Layout['threadRows'] = { main: new Map(), compare: new Map() };
  for (const r of top) if (r.type === 'thread') threadRows[r.slot].set(r.thread, r);
  return {
    fixed: { rows: top, height: layout.fixedHeight, threadRows, fixed: top.length, fixedHeight: layout.fixedHeight },
    scrolling: { ...layout, rows: layout.rows.slice(layout.fixed) },
  };
}
