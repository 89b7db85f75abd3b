// Chrome Trace Event JSON export and import, so that traces open in Perfetto UI and
// chrome://tracing (format: "Trace Event Format", JSON Object Format).
//
// Export, one process (pid 1), thread i as tid i + 1, times in µs (ns / 1000, printed exactly):
// - every wait and every hold is an async slice (ph b/e) with cat `lock.wait` or
//   `lock.hold`, name = the lock's name, args {lock, class, mode} (mode exclusive|shared), on the
//   tid of the thread that waits or holds. Async slices need not nest, so hand-over-hand locking
//   (a list lock released while the object lock is kept) survives;
// - spans are B/E slices on their thread with cat `api`, `phase` or `queue`, name = label,
//   args.subject when set; marks are instant events (ph i, cat `mark`, s `g` without a thread,
//   `t` on one); thread and process names are M metadata events;
// - every event carries args.seq, the index of the Lockscope event it comes from, and
//   `otherData.lockscope` holds the dictionaries and meta: re-importing our own export gives the
//   very same trace (times are rounded to integer ns).
//
// Import: our own export exactly; a foreign trace best effort: B/E and X slices become spans
// (cat api / queue -> that kind, anything else -> phase), b/e async slices and X slices with cat
// lock.wait / lock.hold become waits and holds (lock by args.lock or by name, class from
// args.class), i/I/R become marks, thread_name metadata names threads. Other phases (counters,
// flows, other async events) are skipped. Events at the same ns are ordered: releases, span
// ends, marks, span begins, requests, acquisitions, then the ends of zero-length intervals.
// Malformed JSON or events throw TraceError; the result is not validated here (decodeAny can).
import {
  LOCK_CLASSES,
  LOCK_KINDS,
  LOCK_MODES,
  MAX_TIME_NS,
  NONE,
  SPAN_KINDS,
  THREAD_ROLES,
  Trace,
  TraceError,
  EventKind,
  metaProblem,
  type LockClass,
  type LockInfo,
  type LockMode,
  type SpanKind,
  type ThreadInfo,
  type TraceEvent,
  type TraceMeta,
} from './model.js';
import { utf8Text } from './bytes.js';
import { RepairLog, repairEvents } from './repair.js';

export interface ChromeEvent {
  name?: string;
  cat?: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid?: number;
  tid?: number;
  id?: number | string;
  s?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns' | 'ms';
  otherData?: Record<string, unknown>;
}

/** What `otherData.lockscope` holds. */
export interface ChromeLockscopeData {
  version: 1;
  events: number;
  meta: TraceMeta;
  threads: ThreadInfo[];
  locks: LockInfo[];
  labels: string[];
}

export const CHROME_PID = 1;
const WAIT = 'lock.wait';
const HOLD = 'lock.hold';

const tidOf = (thread: number) => thread + 1;
/** Async ids per thread: one for waits, the rest for hold lanes. */
const LANES = 1000;
const us = (ns: number) => ns / 1000;

/** The export as an object (parsed from `toChromeJson`, so the two never differ). */
export function toChromeTrace(trace: Trace): ChromeTrace {
  return JSON.parse(toChromeJson(trace)) as ChromeTrace;
}

/**
 * The export as JSON text, one event per line. Lines are written directly (names escaped once
 * per lock and label), which is several times faster than building objects and stringifying.
 */
export function toChromeJson(trace: Trace): string {
  let out = '';
  for (const chunk of toChromeJsonChunks(trace)) out += chunk;
  return out;
}

/** The export in chunks of whole lines, for traces whose JSON would not fit in one string. */
export function* toChromeJsonChunks(trace: Trace): Generator<string> {
  const writer = new ChromeJsonWriter();
  yield writer.begin();
  yield* writer.events(trace);
  yield writer.end(trace);
}

/**
 * Writes the export as events arrive, for traces read in windows (a stored recording streamed
 * from its binary file, see BinaryFileReader): `begin()`, then `events(trace, dropped)` after each
 * window (event i of `trace` is event `dropped + i` of the whole trace), then `end(trace)`. The
 * dictionaries and the event count go last, in `otherData`, once they are all known; thread names
 * go out as metadata events when their thread first appears. Chunks are whole lines.
 */
export class ChromeJsonWriter {
  private first = true;
  private processNamed = false;
  private threadsNamed = 0;
  private written = 0;
  // What a wait or hold slice says about its lock, escaped once per lock and mode.
  private readonly lockName: string[] = [];
  private readonly lockArgs: string[][] = LOCK_MODES.map(() => []);
  private readonly labelJson: (string | undefined)[] = [];
  // Async ids name tracks in Perfetto, so they are reused rather than unique: a thread's waits
  // never overlap and share one id; its holds go to lanes (the first lane with nothing open),
  // so slices on one id never overlap and a thread needs as many ids as locks it holds at once.
  private readonly waitOpen = new Set<number>();
  private readonly holdLane: Map<number, number>[] = [];
  private readonly lanes: boolean[][] = [];
  // Beyond LANES - 1 locks held at once by one thread, ids come from above every lane id; they
  // start high enough for any thread count a trace can have.
  private overflowId = 2 ** 32 * LANES;
  private readonly overflow = new Map<string, number>();

  begin(): string {
    return `{"displayTimeUnit":"ns","traceEvents":[\n`;
  }

  /** The events of `trace` not yet written (and the names of threads new since last time). */
  *events(trace: Trace, dropped = 0): Generator<string> {
    const P = CHROME_PID;
    const lines: string[] = [];
    const flush = (): string => {
      const chunk = (this.first ? '' : ',\n') + lines.join(',\n');
      this.first = false;
      lines.length = 0;
      return chunk;
    };
    if (!this.processNamed) {
      const processName = typeof trace.meta?.source === 'string' ? trace.meta.source : 'libvirtd (Lockscope)';
      lines.push(`{"name":"process_name","ph":"M","pid":${P},"tid":0,"args":{"name":${JSON.stringify(processName)}}}`);
      this.processNamed = true;
    }
    for (let id = this.threadsNamed; id < trace.threads.length; id++) {
      const t = trace.threads[id];
      lines.push(`{"name":"thread_name","ph":"M","pid":${P},"tid":${tidOf(t.id)},"args":{"name":${JSON.stringify(t.name)}}}`);
      lines.push(`{"name":"thread_sort_index","ph":"M","pid":${P},"tid":${tidOf(t.id)},"args":{"sort_index":${t.id}}}`);
      this.holdLane.push(new Map());
      this.lanes.push([]);
    }
    this.threadsNamed = trace.threads.length;
    for (let l = this.lockName.length; l < trace.locks.length; l++) {
      const lock = trace.locks[l];
      this.lockName.push(JSON.stringify(lock.name));
      LOCK_MODES.forEach((m, k) => this.lockArgs[k].push(`"lock":${lock.id},"class":"${lock.class}","mode":"${m}"`));
    }
    const { lockName, lockArgs, labelJson, waitOpen, holdLane, lanes } = this;
    const label = (id: number) => (labelJson[id] ??= JSON.stringify(trace.labels[id]));
    const waitIdOf = (th: number) => tidOf(th) * LANES;
    const holdIdOf = (th: number, lane: number) => {
      if (lane < LANES - 1) return tidOf(th) * LANES + 1 + lane;
      const key = `${th}:${lane}`;
      let id = this.overflow.get(key);
      if (id === undefined) this.overflow.set(key, (id = this.overflowId++));
      return id;
    };
    const { time, thread, kind, ref, mode, arg } = trace;
    const from = this.written - dropped;
    if (from < 0) throw new TraceError(`events [${dropped + from}, ${dropped}) were dropped before they were written`);
    for (let i = from; i < trace.length; i++) {
      if (lines.length >= 8192) yield flush();
      const seq = dropped + i;
      const ts = us(Math.round(time[i]));
      const th = thread[i];
      const tid = th === NONE ? 0 : tidOf(th);
      switch (kind[i]) {
        case EventKind.LockRequest: {
          const l = ref[i];
          waitOpen.add(th);
          lines.push(`{"name":${lockName[l]},"cat":"${WAIT}","ph":"b","ts":${ts},"pid":${P},"tid":${tid},"id":${waitIdOf(th)},"args":{${lockArgs[mode[i]][l]},"seq":${seq}}}`);
          break;
        }
        case EventKind.LockAcquired: {
          const l = ref[i];
          if (waitOpen.delete(th)) {
            lines.push(`{"name":${lockName[l]},"cat":"${WAIT}","ph":"e","ts":${ts},"pid":${P},"tid":${tid},"id":${waitIdOf(th)},"args":{"seq":${seq}}}`);
          }
          const busy = lanes[th];
          let lane = busy.indexOf(false);
          if (lane < 0) lane = busy.length;
          busy[lane] = true;
          holdLane[th].set(l, lane);
          lines.push(`{"name":${lockName[l]},"cat":"${HOLD}","ph":"b","ts":${ts},"pid":${P},"tid":${tid},"id":${holdIdOf(th, lane)},"args":{${lockArgs[mode[i]][l]},"seq":${seq}}}`);
          break;
        }
        case EventKind.LockReleased: {
          const l = ref[i];
          const lane = holdLane[th]?.get(l);
          if (lane === undefined) break;
          holdLane[th].delete(l);
          lanes[th][lane] = false;
          lines.push(`{"name":${lockName[l]},"cat":"${HOLD}","ph":"e","ts":${ts},"pid":${P},"tid":${tid},"id":${holdIdOf(th, lane)},"args":{"seq":${seq}}}`);
          break;
        }
        case EventKind.SpanBegin: {
          const subject = arg[i] !== NONE ? `"subject":${label(arg[i])},` : '';
          lines.push(`{"name":${label(ref[i])},"cat":"${SPAN_KINDS[mode[i]]}","ph":"B","ts":${ts},"pid":${P},"tid":${tid},"args":{${subject}"seq":${seq}}}`);
          break;
        }
        case EventKind.SpanEnd:
          lines.push(`{"ph":"E","ts":${ts},"pid":${P},"tid":${tid},"args":{"seq":${seq}}}`);
          break;
        case EventKind.Mark:
          lines.push(`{"name":${label(ref[i])},"cat":"mark","ph":"i","s":"${th === NONE ? 'g' : 't'}","ts":${ts},"pid":${P},"tid":${tid},"args":{"seq":${seq}}}`);
          break;
        default:
          break;
      }
    }
    this.written = dropped + trace.length;
    if (lines.length > 0) yield flush();
  }

  /** The close of the event list and `otherData` (dictionaries, meta, event count). */
  end(trace: Trace): string {
    const lockscope: ChromeLockscopeData = {
      version: 1,
      events: this.written,
      meta: trace.meta ?? {},
      threads: trace.threads,
      locks: trace.locks,
      labels: trace.labels,
    };
    return `\n],"otherData":{"lockscope":${JSON.stringify(lockscope)}}}\n`;
  }
}

// ---------------------------------------------------------------- import

type Fail = (msg: string) => never;

export interface ChromeImportOptions {
  /**
   * Refuse what a foreign trace would need repaired (an end without a begin throws here; the
   * lock invariants are left to the validator) instead of repairing it. Default false.
   */
  strict?: boolean;
  /** Where the repairs of a foreign trace are reported (see repair.ts). */
  repairs?: RepairLog;
}

/** Parses Chrome Trace Event JSON (Object or Array format) into a trace; see the notes above. */
export function fromChromeJson(input: string | Uint8Array | ChromeTrace | ChromeEvent[], options: ChromeImportOptions = {}): Trace {
  let doc: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : utf8Text(input, 'Chrome JSON');
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new TraceError(`Chrome JSON: not valid JSON (truncated or malformed): ${(e as Error).message}`);
    }
  }
  let events: unknown;
  let other: unknown;
  if (Array.isArray(doc)) events = doc;
  else if (typeof doc === 'object' && doc !== null && Array.isArray((doc as ChromeTrace).traceEvents)) {
    events = (doc as ChromeTrace).traceEvents;
    other = (doc as ChromeTrace).otherData;
  } else throw new TraceError('Chrome JSON: expected {"traceEvents": [...]} or an array of events');
  const list = checkEvents(events as unknown[]);
  const ours = lockscopeData(other);
  if (ours) {
    const exact = exactImport(list, ours);
    if (exact) return exact;
  }
  return bestEffortImport(list, ours, options.strict === true, options.repairs ?? new RepairLog());
}

function checkEvents(events: unknown[]): ChromeEvent[] {
  for (let k = 0; k < events.length; k++) {
    const e = events[k] as ChromeEvent;
    const fail: Fail = (msg) => {
      throw new TraceError(`Chrome JSON: traceEvents[${k}]: ${msg}`);
    };
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail('not an object');
    if (typeof e.ph !== 'string') fail('"ph" must be a string');
    if (e.ph !== 'M' && e.ts !== undefined && (typeof e.ts !== 'number' || !Number.isFinite(e.ts))) fail('"ts" must be a number (µs)');
    if ('BEXbeiIRn'.includes(e.ph) && typeof e.ts !== 'number') fail(`"ts" is required for ph ${e.ph}`);
    for (const key of ['pid', 'tid'] as const) {
      const v = e[key] as unknown;
      if (v !== undefined && typeof v !== 'number' && typeof v !== 'string') fail(`"${key}" must be a number`);
    }
    if (e.dur !== undefined && (typeof e.dur !== 'number' || !(e.dur >= 0))) fail('"dur" must be a number >= 0');
    // Bounded so that every time the import computes (differences, ends) stays below 2^51 ns.
    if (typeof e.dur === 'number' && !(e.dur < MAX_TS_US)) fail(`"dur" must be below ${MAX_TS_US} µs`);
    if (e.args !== undefined && (typeof e.args !== 'object' || e.args === null)) fail('"args" must be an object');
    if (e.name !== undefined && typeof e.name !== 'string') fail('"name" must be a string');
    if (e.cat !== undefined && typeof e.cat !== 'string') fail('"cat" must be a string');
    const id = e.id as unknown;
    if (id !== undefined && typeof id !== 'number' && typeof id !== 'string') fail('"id" must be a string or a number');
  }
  return events as ChromeEvent[];
}

function lockscopeData(other: unknown): ChromeLockscopeData | null {
  if (typeof other !== 'object' || other === null) return null;
  const d = (other as Record<string, unknown>).lockscope as ChromeLockscopeData | undefined;
  if (typeof d !== 'object' || d === null) return null;
  const fail: Fail = (msg) => {
    throw new TraceError(`Chrome JSON: otherData.lockscope: ${msg}`);
  };
  if (d.version !== 1) fail(`unsupported version ${JSON.stringify(d.version)}`);
  if (!Array.isArray(d.threads) || !Array.isArray(d.locks) || !Array.isArray(d.labels)) fail('threads, locks and labels must be arrays');
  if (!Number.isInteger(d.events) || d.events < 0) fail('"events" must be a count');
  d.threads.forEach((t, i) => {
    if (typeof t !== 'object' || t === null || t.id !== i || typeof t.name !== 'string' || !THREAD_ROLES.includes(t.role)) fail(`bad thread ${i}`);
  });
  d.locks.forEach((l, i) => {
    if (typeof l !== 'object' || l === null || l.id !== i || typeof l.name !== 'string' || !LOCK_CLASSES.includes(l.class) || !LOCK_KINDS.includes(l.kind)) fail(`bad lock ${i}`);
    if (l.subject !== undefined && typeof l.subject !== 'string') fail(`bad lock ${i} subject`);
  });
  if (d.labels.some((l) => typeof l !== 'string')) fail('labels must be strings');
  const problem = metaProblem(d.meta);
  if (problem !== null) fail(problem);
  return d;
}

function newTrace(d: ChromeLockscopeData | null, capacity: number): Trace {
  const trace = new Trace(capacity);
  if (!d) return trace;
  for (const t of d.threads) trace.addThread(t.name, t.role);
  for (const l of d.locks) trace.addLock(l);
  trace.appendLabels(d.labels);
  trace.meta = d.meta;
  return trace;
}

const toNs = (ts: number) => Math.round(ts * 1000);
/** dur bound in µs: with starts below MAX_TIME_NS / 2 (see bestEffortImport), ends stay below MAX_TIME_NS. */
const MAX_TS_US = MAX_TIME_NS / 4000;

/**
 * Our own export: every event carries args.seq, so the events are put back exactly where they
 * were. Returns null when the file does not fit (edited, merged...): then best effort applies.
 */
function exactImport(list: ChromeEvent[], d: ChromeLockscopeData): Trace | null {
  const n = d.events;
  // Every event of ours is at least one JSON event: a larger count cannot be ours.
  if (n > list.length) return null;
  const slots: (TraceEvent | undefined)[] = new Array(n);
  const holdLock = new Map<string, { lock: number; mode: LockMode }>();
  const threadOf = (e: ChromeEvent): number | null => {
    const th = (e.tid as number) - 1;
    return Number.isInteger(th) && th >= 0 && th < d.threads.length && e.pid === CHROME_PID ? th : null;
  };
  const put = (seq: unknown, ev: TraceEvent): boolean => {
    if (!Number.isInteger(seq) || (seq as number) < 0 || (seq as number) >= n) return false;
    const prev = slots[seq as number];
    if (prev !== undefined && JSON.stringify(prev) !== JSON.stringify(ev)) return false;
    slots[seq as number] = ev;
    return true;
  };
  for (const e of list) {
    if (e.ph === 'M') continue;
    const seq = e.args?.seq;
    if (seq === undefined) return null;
    const t = toNs(e.ts as number);
    if (!(Math.abs(t) < MAX_TIME_NS)) return null;
    if (e.ph === 'i' && e.cat === 'mark') {
      const thread = e.s === 'g' ? NONE : threadOf(e);
      if (thread === null || typeof e.name !== 'string' || !put(seq, { t, kind: 'mark', thread, label: e.name })) return null;
      continue;
    }
    const thread = threadOf(e);
    if (thread === null) return null;
    if (e.ph === 'B') {
      const spanKind = e.cat as SpanKind;
      if (!SPAN_KINDS.includes(spanKind) || typeof e.name !== 'string') return null;
      const ev: TraceEvent = { t, kind: 'span.begin', thread, spanKind, label: e.name };
      const subject = e.args?.subject;
      if (subject !== undefined) {
        if (typeof subject !== 'string') return null;
        ev.subject = subject;
      }
      if (!put(seq, ev)) return null;
    } else if (e.ph === 'E') {
      if (!put(seq, { t, kind: 'span.end', thread })) return null;
    } else if ((e.ph === 'b' || e.ph === 'e') && (e.cat === WAIT || e.cat === HOLD)) {
      if (e.ph === 'e' && e.cat === WAIT) continue; // the acquisition comes with the hold's begin
      const key = `${String(e.id)}`;
      let lock: number;
      let mode: LockMode;
      if (e.ph === 'b') {
        lock = e.args?.lock as number;
        mode = e.args?.mode as LockMode;
        if (!Number.isInteger(lock) || lock < 0 || lock >= d.locks.length || !LOCK_MODES.includes(mode)) return null;
        if (e.cat === HOLD) holdLock.set(key, { lock, mode });
      } else {
        const h = holdLock.get(key);
        if (!h) return null;
        ({ lock, mode } = h);
      }
      const kind = e.ph === 'e' ? 'lock.released' : e.cat === WAIT ? 'lock.request' : 'lock.acquired';
      if (!put(seq, { t, kind, thread, lock, mode })) return null;
    } else return null;
  }
  const trace = newTrace(d, n + 16);
  for (let i = 0; i < n; i++) {
    const ev = slots[i];
    if (!ev) return null;
    trace.append(ev);
  }
  trace.compact();
  return trace;
}

interface Pending {
  t: number;
  cls: number;
  order: number;
  ev: TraceEvent;
}

// Order of events at the same ns (see the notes at the top).
const CLS_RELEASE = 0;
const CLS_SPAN_END = 1;
const CLS_MARK = 2;
const CLS_SPAN_BEGIN = 3;
const CLS_REQUEST = 4;
const CLS_ACQUIRE = 5;
const CLS_ZERO_END = 6;

function bestEffortImport(list: ChromeEvent[], d: ChromeLockscopeData | null, strict: boolean, repairs: RepairLog): Trace {
  const unmatchedEnd = (e: ChromeEvent, k: number): void => {
    const what = `traceEvents[${k}]: an end (ph ${e.ph}) of ${JSON.stringify(e.name ?? '')} on tid ${String(e.tid)} at ${String(e.ts)} µs without its begin`;
    if (strict) throw new TraceError(`Chrome JSON: ${what}`);
    repairs.add('unmatched-end', () => what);
  };
  const trace = newTrace(d, list.length + 16);
  if (!d) trace.meta = { source: 'chrome-json' };
  // Threads: our tids when our dictionaries came along, else one thread per (pid, tid).
  const threadIds = new Map<string, number>();
  const threadNames = new Map<string, string>();
  for (const e of list) {
    if (e.ph === 'M' && e.name === 'thread_name' && typeof e.args?.name === 'string') threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  }
  const threadOf = (e: ChromeEvent): number => {
    if (d && e.pid === CHROME_PID && Number.isInteger(e.tid) && (e.tid as number) >= 1 && (e.tid as number) <= d.threads.length) return (e.tid as number) - 1;
    const key = `${e.pid}:${e.tid}`;
    let id = threadIds.get(key);
    if (id === undefined) {
      id = trace.addThread(threadNames.get(key) ?? `pid ${e.pid ?? '?'} tid ${e.tid ?? '?'}`, 'other');
      threadIds.set(key, id);
    }
    return id;
  };
  // Locks: by args.lock when our dictionaries came along, else by name.
  const shared = new Set<string>();
  for (const e of list) if ((e.cat === WAIT || e.cat === HOLD) && e.args?.mode === 'shared' && e.name) shared.add(e.name);
  const lockIds = new Map<string, number>();
  const lockOf = (e: ChromeEvent): number => {
    const byId = e.args?.lock;
    if (d && Number.isInteger(byId) && (byId as number) >= 0 && (byId as number) < trace.locks.length) return byId as number;
    const name = e.name ?? 'lock';
    let id = lockIds.get(name);
    if (id === undefined) {
      const cls = LOCK_CLASSES.includes(e.args?.class as LockClass) ? (e.args?.class as LockClass) : 'other';
      id = trace.addLock({ name, class: cls, kind: shared.has(name) ? 'rwlock' : 'mutex' });
      lockIds.set(name, id);
    }
    return id;
  };
  const modeOf = (e: ChromeEvent): LockMode => (e.args?.mode === 'shared' ? 'shared' : 'exclusive');

  // Foreign traces often count µs since the epoch, beyond what ns in a double hold exactly:
  // count from their first timestamp instead, so that the trace starts at 0.
  let base = Infinity;
  if (!d) for (const e of list) if (e.ph !== 'M' && typeof e.ts === 'number' && e.ts < base) base = e.ts;
  if (!Number.isFinite(base)) base = 0;
  const toNs = (ts: number) => {
    const t = Math.round((ts - base) * 1000);
    if (!(t < MAX_TIME_NS / 2)) throw new TraceError(`Chrome JSON: "ts" ${ts} µs is more than 2^50 ns (13 days) after the first event`);
    return t;
  };

  const out: Pending[] = [];
  let order = 0;
  const emit = (t: number, cls: number, ev: TraceEvent) => out.push({ t, cls, order: order++, ev });
  interface LockSlice {
    thread: number;
    lock: number;
    mode: LockMode;
    start: number;
    end: number; // NaN while open
  }
  const waits: LockSlice[] = [];
  const holds: LockSlice[] = [];
  const openAsync = new Map<string, LockSlice>();
  const spanStacks = new Map<number, number>();

  for (let k = 0; k < list.length; k++) {
    const e = list[k];
    const isLock = e.cat === WAIT || e.cat === HOLD;
    switch (e.ph) {
      case 'b':
      case 'e': {
        if (!isLock) break;
        const key = `${e.pid}:${e.cat}:${e.name}:${String(e.id)}`;
        if (e.ph === 'b') {
          const slice = { thread: threadOf(e), lock: lockOf(e), mode: modeOf(e), start: toNs(e.ts as number), end: NaN };
          openAsync.set(key, slice);
          (e.cat === WAIT ? waits : holds).push(slice);
        } else {
          const slice = openAsync.get(key);
          if (slice) {
            slice.end = Math.max(slice.start, toNs(e.ts as number));
            openAsync.delete(key);
          } else unmatchedEnd(e, k);
        }
        break;
      }
      case 'X': {
        const start = toNs(e.ts as number);
        const end = start + Math.round((e.dur ?? 0) * 1000);
        if (isLock) {
          (e.cat === WAIT ? waits : holds).push({ thread: threadOf(e), lock: lockOf(e), mode: modeOf(e), start, end });
          break;
        }
        const thread = threadOf(e);
        emit(start, CLS_SPAN_BEGIN, spanBegin(e, start, thread));
        emit(end, end === start ? CLS_ZERO_END : CLS_SPAN_END, { t: end, kind: 'span.end', thread });
        break;
      }
      case 'B': {
        if (isLock) break;
        const thread = threadOf(e);
        const t = toNs(e.ts as number);
        spanStacks.set(thread, (spanStacks.get(thread) ?? 0) + 1);
        emit(t, CLS_SPAN_BEGIN, spanBegin(e, t, thread));
        break;
      }
      case 'E': {
        if (isLock) break;
        const thread = threadOf(e);
        const depth = spanStacks.get(thread) ?? 0;
        if (depth === 0) {
          unmatchedEnd(e, k);
          break;
        }
        spanStacks.set(thread, depth - 1);
        const t = toNs(e.ts as number);
        emit(t, CLS_SPAN_END, { t, kind: 'span.end', thread });
        break;
      }
      case 'i':
      case 'I':
      case 'R': {
        const t = toNs(e.ts as number);
        const thread = e.s === 'g' || e.s === 'p' || e.tid === undefined ? NONE : threadOf(e);
        emit(t, CLS_MARK, { t, kind: 'mark', thread, label: e.name ?? 'mark' });
        break;
      }
      default:
        break;
    }
  }

  // A hold whose thread waited for the same lock until the hold began is one acquisition.
  const waitEnding = new Map<string, LockSlice>();
  for (const w of waits) if (!Number.isNaN(w.end)) waitEnding.set(`${w.thread}:${w.lock}:${w.end}`, w);
  const paired = new Set<LockSlice>();
  for (const h of holds) {
    const w = waitEnding.get(`${h.thread}:${h.lock}:${h.start}`);
    const requested = w ? w.start : h.start;
    if (w) paired.add(w);
    emit(requested, CLS_REQUEST, { t: requested, kind: 'lock.request', thread: h.thread, lock: h.lock, mode: h.mode });
    emit(h.start, CLS_ACQUIRE, { t: h.start, kind: 'lock.acquired', thread: h.thread, lock: h.lock, mode: h.mode });
    if (!Number.isNaN(h.end)) emit(h.end, h.end === h.start ? CLS_ZERO_END : CLS_RELEASE, { t: h.end, kind: 'lock.released', thread: h.thread, lock: h.lock, mode: h.mode });
  }
  for (const w of waits) {
    if (paired.has(w)) continue;
    emit(w.start, CLS_REQUEST, { t: w.start, kind: 'lock.request', thread: w.thread, lock: w.lock, mode: w.mode });
    if (Number.isNaN(w.end)) continue;
    // A wait that ended without a hold: the lock was taken and given back at once.
    emit(w.end, CLS_ACQUIRE, { t: w.end, kind: 'lock.acquired', thread: w.thread, lock: w.lock, mode: w.mode });
    emit(w.end, CLS_ZERO_END, { t: w.end, kind: 'lock.released', thread: w.thread, lock: w.lock, mode: w.mode });
  }

  out.sort((a, b) => a.t - b.t || a.cls - b.cls || a.order - b.order);
  const events = out.map((p) => p.ev);
  for (const ev of strict ? events : repairEvents(trace, events, repairs)) trace.append(ev);
  trace.compact();
  return trace;
}

function spanBegin(e: ChromeEvent, t: number, thread: number): TraceEvent {
  const spanKind: SpanKind = e.cat === 'api' || e.cat === 'queue' ? e.cat : 'phase';
  const ev: TraceEvent = { t, kind: 'span.begin', thread, spanKind, label: e.name ?? '(unnamed)' };
  const subject = e.args?.subject;
  if (typeof subject === 'string') ev.subject = subject;
  return ev;
}
