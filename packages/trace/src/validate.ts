// The invariants every Lockscope trace obeys, checked in one pass over the event columns.
//
// Rules (event order is the log order; times are ns):
// - Dictionaries: entry i has id i; roles, lock classes and kinds are known values.
// - Time: finite, >= 0, and never goes back, neither within a thread nor across the trace
//   (events are stored in time order; equal times keep their log order).
// - Ids: `thread` names a thread (a mark may use NONE); `ref` names a lock for lock events and a
//   label for span.begin / mark; span.begin's `arg` is NONE or a label; other fields are 0 / NONE.
// - Locks: the mode is exclusive or shared; shared only on an rwlock or a job.
//   `lock.request` is mandatory before every `lock.acquired` (an uncontended acquisition is a
//   request and an acquired at the same time: its wait is 0). Between its request and its
//   acquired a thread is blocked: its next event (marks aside) must be that acquired (same lock,
//   same mode).
//   Locks are not recursive: a thread may not request a lock it already holds, in any mode.
//   An exclusive hold excludes every other hold of that lock; shared holds exclude exclusive ones.
//   `lock.released` must match a hold of that thread on that lock in that mode.
//   A condition wait is written as released, then request + acquired of the mutex.
// - Spans: span.end closes the innermost open span of its thread; spans nest per thread.
// - A trace may end with open holds, open spans and a pending request (a live or cut trace).
import {
  EventKind,
  LOCK_CLASSES,
  LOCK_KINDS,
  LOCK_MODES,
  NONE,
  Mode,
  SPAN_KINDS,
  THREAD_ROLES,
  TraceError,
  type Trace,
} from './model.js';

/** Outcome of a check; `index` is the first offending event, or -1 for a dictionary entry. */
export type ValidationResult = { ok: true } | { ok: false; index: number; reason: string };

const OK: ValidationResult = { ok: true };
const KIND_COUNT = 6;
const ROLES = new Set<string>(THREAD_ROLES);
const CLASSES = new Set<string>(LOCK_CLASSES);
const KINDS = new Set<string>(LOCK_KINDS);

/**
 * Validates a growing trace incrementally: each `check` resumes after the last event it
 * checked, so validating a stream costs O(new events). Once a check fails, the trace is broken
 * for good and every later `check` returns the same failure.
 */
export class TraceValidator {
  private checked = 0;
  private threadsChecked = 0;
  private locksChecked = 0;
  private failure: ValidationResult | null = null;
  private lastTime = 0;

  // Per thread: pending request (lock or NONE), its mode and event index, span depth, holds.
  private pendingLock: number[] = [];
  private pendingMode: number[] = [];
  private pendingIndex: number[] = [];
  private spanDepth: number[] = [];
  private held: Map<number, number>[] = [];

  // Per lock: the exclusive holder (NONE if none) and the number of shared holders.
  private exclusiveHolder: number[] = [];
  private sharedHolders: number[] = [];
  private sharedAllowed: boolean[] = [];

  /** Number of events checked so far. */
  get position(): number {
    return this.checked;
  }

  /**
   * Checks the events of `trace` not checked yet. `dropped` is the number of events taken out of
   * the front of `trace` since the first check (a trace read in windows, see BinaryFileReader):
   * event i of `trace` is event `dropped + i`; indexes in failures count from the very first.
   */
  check(trace: Trace, dropped = 0): ValidationResult {
    if (this.failure) return this.failure;
    const dict = this.checkDictionaries(trace);
    if (!dict.ok) return (this.failure = dict);
    const n = dropped + trace.length;
    if (n < this.checked || dropped > this.checked) {
      return (this.failure = { ok: false, index: n, reason: `trace shrank from ${this.checked} to ${n} events` });
    }
    for (let i = this.checked; i < n; i++) {
      const reason = this.checkEvent(trace, i - dropped, i);
      if (reason !== null) {
        this.checked = i;
        return (this.failure = { ok: false, index: i, reason });
      }
    }
    this.checked = n;
    return OK;
  }

  private checkDictionaries(trace: Trace): ValidationResult {
    for (let i = this.threadsChecked; i < trace.threads.length; i++) {
      const t = trace.threads[i];
      if (!t || t.id !== i) return { ok: false, index: -1, reason: `thread #${i} has id ${t?.id}, expected ${i}` };
      if (typeof t.name !== 'string') return { ok: false, index: -1, reason: `thread ${i} has no name` };
      if (!ROLES.has(t.role)) return { ok: false, index: -1, reason: `thread ${i} has unknown role ${JSON.stringify(t.role)}` };
      this.pendingLock.push(NONE);
      this.pendingMode.push(0);
      this.pendingIndex.push(-1);
      this.spanDepth.push(0);
      this.held.push(new Map());
    }
    this.threadsChecked = trace.threads.length;
    for (let i = this.locksChecked; i < trace.locks.length; i++) {
      const l = trace.locks[i];
      if (!l || l.id !== i) return { ok: false, index: -1, reason: `lock #${i} has id ${l?.id}, expected ${i}` };
      if (typeof l.name !== 'string') return { ok: false, index: -1, reason: `lock ${i} has no name` };
      if (!CLASSES.has(l.class)) return { ok: false, index: -1, reason: `lock ${i} has unknown class ${JSON.stringify(l.class)}` };
      if (!KINDS.has(l.kind)) return { ok: false, index: -1, reason: `lock ${i} has unknown kind ${JSON.stringify(l.kind)}` };
      if (l.subject !== undefined && typeof l.subject !== 'string') return { ok: false, index: -1, reason: `lock ${i} has a subject that is not a string` };
      this.exclusiveHolder.push(NONE);
      this.sharedHolders.push(0);
      this.sharedAllowed.push(l.kind !== 'mutex');
    }
    this.locksChecked = trace.locks.length;
    return OK;
  }

  /** Checks event i against the state so far and applies it; returns the reason it is invalid. */
  private checkEvent(trace: Trace, i: number, index: number): string | null {
    const t = trace.time[i];
    const thread = trace.thread[i];
    const kind = trace.kind[i];
    const ref = trace.ref[i];
    const mode = trace.mode[i];
    const arg = trace.arg[i];

    if (kind >= KIND_COUNT) return `unknown event kind ${kind}`;
    if (!Number.isFinite(t) || t < 0) return `time ${t} is not a finite number of ns >= 0`;
    if (t < this.lastTime) return `time goes back: ${t} ns after ${this.lastTime} ns`;
    const threadCount = this.threadsChecked;
    if (kind === EventKind.Mark) {
      if (thread !== NONE && thread >= threadCount) return `mark on unknown thread ${thread}`;
      if (ref >= trace.labels.length) return `mark has unknown label ${ref}`;
      if (mode !== 0 || arg !== NONE) return `mark must have mode 0 and no arg`;
      this.lastTime = t;
      return null;
    }
    if (thread >= threadCount) return `unknown thread ${thread}`;
    const pending = this.pendingLock[thread];
    if (pending !== NONE && !(kind === EventKind.LockAcquired && ref === pending && mode === this.pendingMode[thread])) {
      return `thread ${thread} is blocked on lock ${pending} (${LOCK_MODES[this.pendingMode[thread]]}, requested at event ${this.pendingIndex[thread]}) and can only acquire it next`;
    }
    this.lastTime = t;

    switch (kind) {
      case EventKind.LockRequest:
      case EventKind.LockAcquired:
      case EventKind.LockReleased: {
        if (ref >= this.locksChecked) return `unknown lock ${ref}`;
        if (mode !== Mode.Exclusive && mode !== Mode.Shared) return `lock mode ${mode} is neither exclusive (0) nor shared (1)`;
        if (mode === Mode.Shared && !this.sharedAllowed[ref]) return `lock ${ref} is a mutex and cannot be taken shared`;
        if (arg !== NONE) return `lock event must have arg NONE`;
        const held = this.held[thread];
        if (kind === EventKind.LockRequest) {
          if (held.has(ref)) return `thread ${thread} requests lock ${ref} which it already holds (${LOCK_MODES[held.get(ref) ?? 0]}); locks are not recursive`;
          this.pendingLock[thread] = ref;
          this.pendingMode[thread] = mode;
          this.pendingIndex[thread] = index;
          return null;
        }
        if (kind === EventKind.LockAcquired) {
          if (pending === NONE) return `thread ${thread} acquires lock ${ref} without a request`;
          if (mode === Mode.Exclusive) {
            if (this.exclusiveHolder[ref] !== NONE) return `thread ${thread} acquires lock ${ref} exclusive while thread ${this.exclusiveHolder[ref]} holds it exclusive`;
            if (this.sharedHolders[ref] > 0) return `thread ${thread} acquires lock ${ref} exclusive while ${this.sharedHolders[ref]} thread(s) hold it shared`;
            this.exclusiveHolder[ref] = thread;
          } else {
            if (this.exclusiveHolder[ref] !== NONE) return `thread ${thread} acquires lock ${ref} shared while thread ${this.exclusiveHolder[ref]} holds it exclusive`;
            this.sharedHolders[ref]++;
          }
          held.set(ref, mode);
          this.pendingLock[thread] = NONE;
          this.pendingIndex[thread] = -1;
          return null;
        }
        const heldMode = held.get(ref);
        if (heldMode === undefined) return `thread ${thread} releases lock ${ref} which it does not hold`;
        if (heldMode !== mode) return `thread ${thread} releases lock ${ref} ${LOCK_MODES[mode]} but holds it ${LOCK_MODES[heldMode]}`;
        held.delete(ref);
        if (mode === Mode.Exclusive) this.exclusiveHolder[ref] = NONE;
        else this.sharedHolders[ref]--;
        return null;
      }
      case EventKind.SpanBegin:
        if (mode >= SPAN_KINDS.length) return `unknown span kind ${mode}`;
        if (ref >= trace.labels.length) return `span has unknown label ${ref}`;
        if (arg !== NONE && arg >= trace.labels.length) return `span has unknown subject label ${arg}`;
        this.spanDepth[thread]++;
        return null;
      case EventKind.SpanEnd:
        if (ref !== 0 || mode !== 0 || arg !== NONE) return `span.end must have ref 0, mode 0 and no arg`;
        if (this.spanDepth[thread] === 0) return `span.end on thread ${thread} without an open span`;
        this.spanDepth[thread]--;
        return null;
      default:
        return `unknown event kind ${kind}`;
    }
  }
}

/** Checks a whole trace. */
export function validateTrace(trace: Trace): ValidationResult {
  return new TraceValidator().check(trace);
}

/** Throws `TraceError(reason, index)` unless the trace is valid. */
export function assertValidTrace(trace: Trace): void {
  const r = validateTrace(trace);
  if (!r.ok) throw new TraceError(r.reason, r.index >= 0 ? r.index : undefined);
}
