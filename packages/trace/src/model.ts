// The one event model of Lockscope. The simulator, the tracer's decoder, the server and the
// browser all read and write traces through this file; nothing else defines these types.
//
// A trace is a set of dictionaries (threads, locks, labels) plus an append-only list of events
// stored as typed-array columns, so that a million events cost about 22 MB, not hundreds.

export const THREAD_ROLES = ['worker', 'priority-worker', 'event-loop', 'monitor', 'client', 'other'] as const;
export type ThreadRole = (typeof THREAD_ROLES)[number];

export const LOCK_CLASSES = [
  'security-manager',
  'security-driver',
  'domain-list',
  'domain-object',
  'domain-job',
  'driver',
  'monitor',
  'other',
] as const;
export type LockClass = (typeof LOCK_CLASSES)[number];

export const LOCK_KINDS = ['mutex', 'rwlock', 'job'] as const;
export type LockKind = (typeof LOCK_KINDS)[number];

export const LOCK_MODES = ['exclusive', 'shared'] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** Span kinds: an API call on the thread serving it, a work phase inside it, or time a call
 * spent queued (for example for a free RPC worker) before any thread served it. */
export const SPAN_KINDS = ['api', 'phase', 'queue'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export interface ThreadInfo {
  id: number;
  name: string;
  role: ThreadRole;
}

export interface LockInfo {
  id: number;
  name: string;
  class: LockClass;
  kind: LockKind;
  /** What the lock protects, for example the domain name of a domain object lock. */
  subject?: string;
}

/** Event kinds, as stored in the `kind` column. The numbers are part of the binary format. */
export const EventKind = {
  LockRequest: 0,
  LockAcquired: 1,
  LockReleased: 2,
  SpanBegin: 3,
  SpanEnd: 4,
  Mark: 5,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];
export const EVENT_KIND_NAMES = ['lock.request', 'lock.acquired', 'lock.released', 'span.begin', 'span.end', 'mark'] as const;
export type EventKindName = (typeof EVENT_KIND_NAMES)[number];

/** `mode` column values. */
export const Mode = { Exclusive: 0, Shared: 1 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Value of `thread` for events that belong to no thread (marks), and of `arg` when unset. */
export const NONE = 0xffffffff;

/** Free-form description of where a trace came from (scenario, strategy, seed, daemon...). */
export type TraceMeta = Record<string, unknown>;

/**
 * One event, as an object. Used at the edges (NDJSON, tests, tooltips); hot paths read columns.
 * - lock.*: `thread` and `lock` are ids, `mode` is exclusive or shared.
 * - span.begin: `spanKind`, `label` and optional `subject` (both strings).
 * - span.end: closes the innermost open span of `thread`.
 * - mark: `label`; `thread` may be NONE.
 */
export type TraceEvent =
  | { t: number; kind: 'lock.request' | 'lock.acquired' | 'lock.released'; thread: number; lock: number; mode: LockMode }
  | { t: number; kind: 'span.begin'; thread: number; spanKind: SpanKind; label: string; subject?: string }
  | { t: number; kind: 'span.end'; thread: number }
  | { t: number; kind: 'mark'; thread: number; label: string };

const INITIAL_CAPACITY = 1024;

/**
 * Column meaning per kind:
 * - time: ns since trace start (float64 holds integers exactly up to 104 days).
 * - thread: thread id (NONE for marks without a thread).
 * - kind: EventKind.
 * - ref: lock id for lock events, label id for span.begin and mark, 0 for span.end.
 * - mode: Mode for lock events; SPAN_KINDS index for span.begin; 0 otherwise.
 * - arg: subject label id for span.begin, NONE otherwise.
 */
export class Trace {
  threads: ThreadInfo[] = [];
  locks: LockInfo[] = [];
  labels: string[] = [];
  meta: TraceMeta = {};
  length = 0;
  time: Float64Array;
  thread: Uint32Array;
  kind: Uint8Array;
  ref: Uint32Array;
  mode: Uint8Array;
  arg: Uint32Array;
  private labelIds = new Map<string, number>();
  /** The columns live on SharedArrayBuffers: a thread sent the trace (a page's worker) reads the
   * same memory, nothing is copied or moved (see `sharedColumnsAvailable`). */
  readonly shared: boolean;

  constructor(capacity = INITIAL_CAPACITY, shared = false) {
    this.shared = shared;
    const c = Math.max(16, capacity);
    this.time = this.column(Float64Array, c);
    this.thread = this.column(Uint32Array, c);
    this.kind = this.column(Uint8Array, c);
    this.ref = this.column(Uint32Array, c);
    this.mode = this.column(Uint8Array, c);
    this.arg = this.column(Uint32Array, c);
  }

  private column<A extends Float64Array | Uint32Array | Uint8Array>(type: { new (length: number): A; new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number }, length: number): A {
    return this.shared ? new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT)) : new type(length);
  }

  get capacity(): number {
    return this.time.length;
  }

  /** Bytes held by the event columns (allocated, not only used). */
  get columnBytes(): number {
    return this.capacity * BYTES_PER_EVENT;
  }

  // ---- dictionaries ----

  addThread(name: string, role: ThreadRole): number {
    const id = this.threads.length;
    this.threads.push({ id, name, role });
    return id;
  }

  addLock(info: Omit<LockInfo, 'id'>): number {
    const id = this.locks.length;
    const lock: LockInfo = { id, name: info.name, class: info.class, kind: info.kind };
    if (info.subject !== undefined) lock.subject = info.subject;
    this.locks.push(lock);
    return id;
  }

  /** Interns a string and returns its label id. */
  label(text: string): number {
    let id = this.labelIds.get(text);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(text);
      this.labelIds.set(text, id);
    }
    return id;
  }

  /** Replaces the label dictionary (decoders); keeps the intern map consistent. */
  setLabels(labels: string[]): void {
    this.labels = labels;
    this.labelIds = new Map(labels.map((s, i) => [s, i]));
  }

  /**
   * Appends labels exactly as given, so that their ids are their positions (decoders). A text
   * that is already present keeps its first id for interning.
   */
  appendLabels(texts: readonly string[]): void {
    for (const text of texts) {
      const id = this.labels.length;
      this.labels.push(text);
      if (!this.labelIds.has(text)) this.labelIds.set(text, id);
    }
  }

  /** Makes room for `extra` more events without further reallocation (decoders, bulk appends). */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need > this.time.length) this.grow(Math.max(need, this.time.length * 2));
  }

  // ---- appending events ----

  /** Appends one raw event; the typed helpers below are what producers normally call. */
  push(time: number, thread: number, kind: EventKind, ref: number, mode: number, arg: number): number {
    if (this.length === this.time.length) this.grow(this.length * 2);
    const i = this.length++;
    this.time[i] = time;
    this.thread[i] = thread;
    this.kind[i] = kind;
    this.ref[i] = ref;
    this.mode[i] = mode;
    this.arg[i] = arg;
    return i;
  }

  request(time: number, thread: number, lock: number, mode: Mode = Mode.Exclusive): number {
    return this.push(time, thread, EventKind.LockRequest, lock, mode, NONE);
  }

  acquired(time: number, thread: number, lock: number, mode: Mode = Mode.Exclusive): number {
    return this.push(time, thread, EventKind.LockAcquired, lock, mode, NONE);
  }

  released(time: number, thread: number, lock: number, mode: Mode = Mode.Exclusive): number {
    return this.push(time, thread, EventKind.LockReleased, lock, mode, NONE);
  }

  beginSpan(time: number, thread: number, spanKind: SpanKind, label: string, subject?: string): number {
    const subjectId = subject === undefined ? NONE : this.label(subject);
    return this.push(time, thread, EventKind.SpanBegin, this.label(label), SPAN_KINDS.indexOf(spanKind), subjectId);
  }

  endSpan(time: number, thread: number): number {
    return this.push(time, thread, EventKind.SpanEnd, 0, 0, NONE);
  }

  mark(time: number, label: string, thread: number = NONE): number {
    return this.push(time, thread, EventKind.Mark, this.label(label), 0, NONE);
  }

  /** Appends an event given as an object, interning its strings. */
  append(e: TraceEvent): number {
    switch (e.kind) {
      case 'lock.request':
      case 'lock.acquired':
      case 'lock.released':
        return this.push(e.t, e.thread, EVENT_KIND_NAMES.indexOf(e.kind) as EventKind, e.lock, modeOf(e.mode), NONE);
      case 'span.begin':
        return this.beginSpan(e.t, e.thread, e.spanKind, e.label, e.subject);
      case 'span.end':
        return this.endSpan(e.t, e.thread);
      case 'mark':
        return this.mark(e.t, e.label, e.thread);
    }
  }

  // ---- reading ----

  /** Event i as an object (for edges and tests, not hot loops). */
  event(i: number): TraceEvent {
    const t = this.time[i];
    const thread = this.thread[i];
    const kind = this.kind[i] as EventKind;
    switch (kind) {
      case EventKind.LockRequest:
      case EventKind.LockAcquired:
      case EventKind.LockReleased:
        return { t, kind: EVENT_KIND_NAMES[kind] as 'lock.request', thread, lock: this.ref[i], mode: LOCK_MODES[this.mode[i]] };
      case EventKind.SpanBegin: {
        const e: TraceEvent = { t, kind: 'span.begin', thread, spanKind: SPAN_KINDS[this.mode[i]], label: this.labels[this.ref[i]] };
        if (this.arg[i] !== NONE) e.subject = this.labels[this.arg[i]];
        return e;
      }
      case EventKind.SpanEnd:
        return { t, kind: 'span.end', thread };
      case EventKind.Mark:
        return { t, kind: 'mark', thread, label: this.labels[this.ref[i]] };
      default:
        throw new Error(`event ${i}: unknown kind ${kind as number}`);
    }
  }

  *events(from = 0, to = this.length): IterableIterator<TraceEvent> {
    for (let i = from; i < to; i++) yield this.event(i);
  }

  /** Time of the last event, or 0 for an empty trace. */
  get endTime(): number {
    return this.length === 0 ? 0 : this.time[this.length - 1];
  }

  /** Shrinks the columns to the events they hold (after a trace is complete). */
  compact(): void {
    if (this.capacity > this.length) this.grow(Math.max(16, this.length));
  }

  private grow(capacity: number): void {
    const n = this.length;
    const time = this.column(Float64Array, capacity);
    time.set(this.time.subarray(0, n));
    const thread = this.column(Uint32Array, capacity);
    thread.set(this.thread.subarray(0, n));
    const kind = this.column(Uint8Array, capacity);
    kind.set(this.kind.subarray(0, n));
    const ref = this.column(Uint32Array, capacity);
    ref.set(this.ref.subarray(0, n));
    const mode = this.column(Uint8Array, capacity);
    mode.set(this.mode.subarray(0, n));
    const arg = this.column(Uint32Array, capacity);
    arg.set(this.arg.subarray(0, n));
    this.time = time;
    this.thread = thread;
    this.kind = kind;
    this.ref = ref;
    this.mode = mode;
    this.arg = arg;
  }
}

/** time 8 + thread 4 + kind 1 + ref 4 + mode 1 + arg 4. */
export const BYTES_PER_EVENT = 22;

export function modeOf(mode: LockMode): Mode {
  return mode === 'shared' ? Mode.Shared : Mode.Exclusive;
}

/**
 * Largest |time| in ns a trace may hold (26 days): the binary format zigzags time deltas, which
 * stay exact in a JS number only below 2^51. Decoders refuse larger times with a TraceError.
 */
export const MAX_TIME_NS = 2 ** 51;

/** Deepest nesting of objects and arrays a trace's meta may have (decoders refuse deeper ones). */
export const MAX_META_DEPTH = 32;

/** Why `meta` cannot be a trace's meta (not an object, or nested deeper than MAX_META_DEPTH), or null. */
export function metaProblem(meta: unknown): string | null {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'meta must be a JSON object';
  // Iterative, so that a hostile depth cannot overflow the stack here either.
  const stack: [unknown, number][] = [[meta, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_META_DEPTH) return `meta is nested deeper than ${MAX_META_DEPTH} levels`;
    for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) stack.push([v, depth + 1]);
  }
  return null;
}

/** Raised by decoders and the validator: a clear message and, where known, the event index. */
export class TraceError extends Error {
  constructor(
    message: string,
    readonly eventIndex?: number,
  ) {
    super(eventIndex === undefined ? message : `event ${eventIndex}: ${message}`);
    this.name = 'TraceError';
  }
}

/** A trace as plain data for another thread (a Web Worker, a worker thread): the dictionaries,
 * and the event columns, whose buffers move rather than copy (see `traceTransfer`). */
export type TraceTransfer = Pick<Trace, 'threads' | 'locks' | 'labels' | 'meta' | 'length' | 'time' | 'thread' | 'kind' | 'ref' | 'mode' | 'arg'>;

/** `trace` as a message and the buffers to transfer with it: `trace` must not be used after,
 * unless `copy` (then copies of its used columns move, and `trace` stays whole). */
export function traceTransfer(trace: Trace, copy = false): { data: TraceTransfer; transfer: ArrayBuffer[] } {
  const { threads, locks, labels, meta, length } = trace;
  // (shared columns are neither copied nor moved: the receiver reads the same memory)
  const col = <A extends Float64Array | Uint32Array | Uint8Array>(c: A): A => (copy && !trace.shared ? (c.slice(0, length) as A) : c);
  const [time, thread, kind, ref, mode, arg] = [col(trace.time), col(trace.thread), col(trace.kind), col(trace.ref), col(trace.mode), col(trace.arg)];
  const data: TraceTransfer = { threads, locks, labels, meta, length, time, thread, kind, ref, mode, arg };
  const transfer = trace.shared ? [] : [time, thread, kind, ref, mode, arg].map((c) => c.buffer as ArrayBuffer);
  return { data, transfer: transfer.filter((b, i) => transfer.indexOf(b) === i) };
}

/** Whether trace columns can live on SharedArrayBuffers here: a browser page (and its workers)
 * only when cross-origin isolated (the server sends COOP and COEP). */
export function sharedColumnsAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/** The trace a `TraceTransfer` carries. */
export function traceFromTransfer(data: TraceTransfer): Trace {
  const trace = new Trace(1, typeof SharedArrayBuffer !== 'undefined' && data.time.buffer instanceof SharedArrayBuffer);
  trace.threads = data.threads;
  trace.locks = data.locks;
  trace.setLabels(data.labels);
  trace.meta = data.meta;
  trace.time = data.time;
  trace.thread = data.thread;
  trace.kind = data.kind;
  trace.ref = data.ref;
  trace.mode = data.mode;
  trace.arg = data.arg;
  trace.length = data.length;
  return trace;
}

