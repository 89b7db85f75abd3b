// One run: a source, the trace it appends to, its pace (speed of simulated time) and its viewers.
import { FrameLog } from './frame-log.js';
import type { RunSource, StrategyChange } from './source.js';
import type { Viewer } from './viewer.js';

import type { AppliedChange, EndReason, RunDescription, RunState, RunStatus, Speed } from '@lockscope/trace/protocol';

export type { AppliedChange, EndReason, RunState, RunStatus, Speed };

export interface RunLimits {
  maxEvents: number;
  tickMs: number;
  idleGraceMs: number;
}

/** At "max" speed the source may run this many events ahead of its furthest viewer. */
const MAX_LEAD_EVENTS = 1_000_000;
/** At "max" speed, produce for about this long before letting the sockets write (ms). */
const MAX_SPEED_SLICE_MS = 8;
const STATUS_EVERY_MS = 1000;
const MAX_EVENTS_PER_TICK = 500_000;

export class Run {
  state: RunState = 'running';
  reason: EndReason | undefined;
  readonly createdAt = new Date().toISOString();
  readonly viewers = new Set<Viewer>();
  readonly changes: AppliedChange[] = [];
  /** The run's binary frames, shared by its binary viewers. */
  readonly frames = new FrameLog();
  endedAt: number | undefined;
  /** Simulated time the clock has reached (ns). */
  private simTarget = 0;
  private lastTickWall = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastStatusWall = 0;

  constructor(
    readonly id: string,
    readonly source: RunSource,
    /** What the run was created from (scenario, params, preset, set, seed), echoed to clients. */
    readonly config: Record<string, unknown>,
    private speedValue: Speed,
    readonly limits: RunLimits,
    private readonly onEnd: (run: Run) => void,
  ) {
    source.onData = () => this.onSourceData();
    this.armIdleTimer();
    this.schedule();
  }

  get speed(): Speed {
    return this.speedValue;
  }

  get live(): boolean {
    return this.state === 'running' || this.state === 'paused';
  }

  /** Events of the run: what the source produced, cut at the run's cap. */
  get events(): number {
    return Math.min(this.source.trace.length, this.limits.maxEvents);
  }

  describe(): RunDescription {
    return {
      id: this.id,
      source: this.source.kind,
      state: this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      createdAt: this.createdAt,
      config: this.config,
      speed: this.speedValue,
      simTimeNs: this.simTimeNs,
      events: this.events,
      strategy: this.source.strategy(),
      changes: this.changes,
      viewers: this.viewers.size,
      limits: { maxEvents: this.limits.maxEvents },
    };
  }

  get simTimeNs(): number {
    return this.source.paced ? Math.min(this.simTarget, this.source.now) : this.source.now;
  }

  status(): RunStatus {
    const s: RunStatus = {
      type: 'status',
      state: this.state,
      simTimeNs: this.simTimeNs,
      speed: this.speedValue,
      events: this.events,
      strategy: this.source.strategy(),
      viewers: this.viewers.size,
      // simTarget was reached at the last tick (lastTickWall), not now.
      clock: { wallMs: performance.timeOrigin + this.lastTickWall, simTimeNs: this.simTarget },
    };
    if (this.reason) s.reason = this.reason;
    return s;
  }

  // ---- viewers ----

  attach(viewer: Viewer): void {
    this.viewers.add(viewer);
    viewer.onDrain = () => this.schedule();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.broadcastStatus();
    viewer.pump();
    // A run at "max" may be waiting for a viewer to make room ahead of it.
    this.schedule();
  }

  detach(viewer: Viewer): void {
    viewer.close();
    this.viewers.delete(viewer);
    if (this.viewers.size === 0) this.armIdleTimer();
    else this.broadcastStatus();
  }

  broadcastStatus(): void {
    const status = this.status();
    for (const v of this.viewers) v.sendJson(status);
    this.lastStatusWall = performance.now();
  }

  // ---- controls ----

  pause(): void {
    if (this.state !== 'running') return;
    this.advanceClock();
    this.state = 'paused';
    this.unschedule();
    this.broadcastStatus();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.lastTickWall = performance.now();
    this.schedule();
    this.broadcastStatus();
  }

  setSpeed(speed: Speed): void {
    this.advanceClock();
    if (speed !== 'max' && this.speedValue === 'max') this.simTarget = this.source.now;
    this.speedValue = speed;
    this.unschedule();
    this.schedule();
    this.broadcastStatus();
  }

  /** Applies a strategy change from the current simulated time; throws ControlError if refused. */
  change(change: StrategyChange): void {
    if (!this.live) throw new Error(`run is ${this.state}`);
    this.advanceClock();
    this.source.change(change);
    this.changes.push({ simTimeNs: this.source.now, change });
    for (const v of this.viewers) v.pump();
    this.broadcastStatus();
  }

  stop(reason: EndReason = 'requested'): void {
    this.end('stopped', reason);
  }

  // ---- the clock ----

  private schedule(): void {
    if (this.state !== 'running') return;
    if (this.speedValue === 'max' && this.source.paced) {
      if (!this.immediate) this.immediate = setImmediate(this.maxSpeedSlice);
    } else if (!this.timer) {
      this.lastTickWall = performance.now();
      this.timer = setInterval(this.tick, this.limits.tickMs);
      this.timer.unref?.();
    }
  }

  private unschedule(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Moves the paced clock to the current wall time. */
  private advanceClock(): void {
    const wall = performance.now();
    if (this.state === 'running' && this.speedValue !== 'max') this.simTarget += (wall - this.lastTickWall) * 1e6 * this.speedValue;
    this.lastTickWall = wall;
  }

  private readonly tick = (): void => {
    if (this.state !== 'running') return;
    this.advanceClock();
    // Bounded per tick so a very high speed cannot block the event loop for long.
    if (this.source.paced) this.produce(this.simTarget, Math.min(MAX_EVENTS_PER_TICK, this.limits.maxEvents - this.events));
    this.afterProduce();
  };

  /** An asynchronous source appended events (or failed): send them on at once. */
  private onSourceData(): void {
    if (!this.live) return;
    if (this.endOnFailure()) return;
    if (this.speedValue === 'max') this.simTarget = this.source.now;
    this.afterProduce();
    if (this.speedValue === 'max') this.schedule();
  }

  private readonly maxSpeedSlice = (): void => {
    this.immediate = undefined;
    if (this.state !== 'running' || this.speedValue !== 'max') return;
    if (this.source.asynchronous) {
      // Ask for what fits ahead of the viewers; the events arrive through onSourceData.
      const room = Math.min(MAX_LEAD_EVENTS - (this.events - this.furthestCursor()), this.limits.maxEvents - this.events);
      if (room > 0) this.produce(Infinity, room);
      return;
    }
    const lead = this.events - this.furthestCursor();
    if (lead < MAX_LEAD_EVENTS) {
      const start = performance.now();
      // Small sub-slices so each viewer gets frames while the source keeps producing.
      do {
        this.produce(Infinity, Math.min(MAX_LEAD_EVENTS - (this.events - this.furthestCursor()), 65_536, this.limits.maxEvents - this.events));
      } while (!this.source.done && this.events < this.limits.maxEvents && performance.now() - start < MAX_SPEED_SLICE_MS && this.events - this.furthestCursor() < MAX_LEAD_EVENTS);
      this.simTarget = this.source.now;
    }
    this.afterProduce();
    // Keep going while there is room ahead of the viewers; otherwise a viewer's drain resumes us.
    if (this.state === 'running' && this.events - this.furthestCursor() < MAX_LEAD_EVENTS) this.schedule();
  };

  private furthestCursor(): number {
    let c = 0;
    for (const v of this.viewers) if (v.cursor > c) c = v.cursor;
    return c;
  }

  private produce(untilNs: number, maxEvents: number): void {
    if (maxEvents <= 0) return;
    try {
      this.source.advance(untilNs, maxEvents);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Tells the viewers why the source failed and ends the run with reason `source-error`. */
  private fail(error: Error): void {
    for (const v of this.viewers) v.sendJson({ type: 'error', error: 'internal', message: `the run's source failed: ${error.message}` });
    this.end('stopped', 'source-error');
  }

  /** Ends the run if its source reported a failure of its own (a daemon that died, a worker). */
  private endOnFailure(): boolean {
    if (!this.source.failure) return false;
    this.fail(this.source.failure);
    return true;
  }

  private afterProduce(): void {
    for (const v of this.viewers) v.pump();
    if (this.live && this.endOnFailure()) return;
    if (this.live) {
      if (this.events >= this.limits.maxEvents) this.end('done', 'event-limit');
      else if (this.source.done) this.end('done', 'finished');
    }
    if (this.live && performance.now() - this.lastStatusWall >= STATUS_EVERY_MS) this.broadcastStatus();
  }

  private end(state: 'done' | 'stopped', reason: EndReason): void {
    if (!this.live) return;
    this.advanceClock();
    this.state = state;
    this.reason = reason;
    this.endedAt = Date.now();
    this.unschedule();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.source.stop();
    for (const v of this.viewers) v.pump();
    this.broadcastStatus();
    this.onEnd(this);
  }

  /** Activity of the run's producer (a remote tracer posting): an unwatched run stays alive while it lasts. */
  touch(): void {
    if (!this.idleTimer) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.armIdleTimer();
  }

  private armIdleTimer(): void {
    if (!this.live || this.idleTimer) return;
    this.idleTimer = setTimeout(() => this.stop('idle'), this.limits.idleGraceMs);
    this.idleTimer.unref?.();
  }
}
