// The run registry of several Lockscope instances sharing one PostgreSQL: which instance hosts
// which live run, so that a viewer reaching any instance (behind a proxy) finds it.
//
// Each instance has a row in `instances` (its id and the URL other instances reach it at) and
// beats every `heartbeatMs`. Each run it creates gets a row in `runs`, updated when it ends. On each
// beat an instance also ends the live runs of instances that missed DEAD_AFTER beats: a killed
// instance's runs end as `source-error`, and every instance reports them so.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Run } from '../runs/run.js';

/** Beats an instance may miss before its runs are ended by the others. */
const DEAD_AFTER = 3;

export interface RegisteredRun {
  id: string;
  instance: string;
  /** Base URL of the hosting instance. */
  url: string;
  state: string;
  reason: string | null;
  config: Record<string, unknown>;
  events: number;
  createdAt: string;
  /** Whether the hosting instance is this one. */
  local: boolean;
  /** Whether the hosting instance beats (a live run there can be relayed). */
  hostAlive: boolean;
}

export class RunRegistry {
  readonly instanceId = randomBytes(9).toString('base64url');
  private timer: NodeJS.Timeout | undefined;
  private url = '';
  /** Writes in flight (tests and shutdown wait for them). */
  private pending = new Set<Promise<unknown>>();
  /** Run writes wait for this instance's row (runs may be created before `start`, e.g. restored ones). */
  private announced: Promise<void>;
  private announce: () => void = () => {};

  constructor(
    private readonly pool: pg.Pool,
    readonly heartbeatMs = 5000,
    private readonly log: (message: string, error?: unknown) => void = () => {},
    /** Ids of the runs live in this instance (taken back at each beat if others ended them). */
    private readonly liveRuns: () => string[] = () => [],
  ) {
    this.announced = new Promise((resolve) => (this.announce = resolve));
  }

  /** Announces this instance, reachable at `url`, and starts beating. */
  async start(url: string): Promise<void> {
    this.url = url.replace(/\/+$/, '');
    await this.pool.query('INSERT INTO instances (id, url) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET url = $2, heartbeat_at = now()', [this.instanceId, this.url]);
    this.announce();
    await this.beat();
    this.timer = setInterval(() => this.track(this.beat()), this.heartbeatMs);
    this.timer.unref?.();
  }

  /**
   * Updates this instance's heartbeat, takes back its live runs if others ended them while it was
   * too slow to beat (a stalled event loop), and ends the runs of dead instances; returns how
   * many it ended.
   */
  async beat(): Promise<number> {
    await this.pool.query('UPDATE instances SET heartbeat_at = now() WHERE id = $1', [this.instanceId]);
    const live = this.liveRuns();
    if (live.length > 0) {
      await this.pool.query(
        `UPDATE runs SET state = 'running', reason = NULL, ended_at = NULL WHERE instance = $1 AND id = ANY($2::text[]) AND ended_at IS NOT NULL`,
        [this.instanceId, live],
      );
    }
    const ended = await this.pool.query(
      `UPDATE runs SET state = 'stopped', reason = 'source-error', ended_at = now()
       WHERE ended_at IS NULL AND instance IN (SELECT id FROM instances WHERE heartbeat_at < now() - $1::int * interval '1 millisecond')`,
      [this.heartbeatMs * DEAD_AFTER],
    );
    return ended.rowCount ?? 0;
  }

  created(run: Run): void {
    this.write(() =>
      this.pool.query('INSERT INTO runs (id, instance, state, config) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (id) DO UPDATE SET instance = $2, state = $3, ended_at = NULL, reason = NULL', [
        run.id,
        this.instanceId,
        run.state,
        JSON.stringify(run.config),
      ]),
    );
  }

  ended(run: Run): void {
    const { id, state, reason, events } = run;
    this.write(() => this.pool.query('UPDATE runs SET state = $2, reason = $3, events = $4, ended_at = now() WHERE id = $1 AND instance = $5', [id, state, reason ?? null, events, this.instanceId]));
  }

  async find(id: string): Promise<RegisteredRun | undefined> {
    type Row = Pick<RegisteredRun, 'id' | 'instance' | 'url' | 'state' | 'reason' | 'config'> & { events: string; created_at: Date; alive: boolean };
    const { rows } = await this.pool.query<Row>(
      `SELECT r.id, r.instance, i.url, r.state, r.reason, r.config, r.events, r.created_at,
              i.heartbeat_at >= now() - $2::int * interval '1 millisecond' AS alive
       FROM runs r JOIN instances i ON i.id = r.instance WHERE r.id = $1`,
      [id, this.heartbeatMs * DEAD_AFTER],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      instance: r.instance,
      url: r.url,
      state: r.state,
      reason: r.reason,
      config: r.config,
      events: Number(r.events),
      createdAt: r.created_at.toISOString(),
      local: r.instance === this.instanceId,
      hostAlive: r.alive,
    };
  }

  /** Waits for the registry writes in flight. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.announce(); // never started: the queued writes go (and fail) rather than hang
    await this.settle();
  }

  /** Run writes, one after the other (a run's end never overtakes its creation), once announced. */
  private writes: Promise<unknown> = Promise.resolve();
  private write(query: () => Promise<unknown>): void {
    this.writes = this.writes.then(() => this.announced).then(query);
    this.track(this.writes);
    this.writes = this.writes.catch(() => {});
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((error: unknown) => this.log('run registry write failed', error));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}
