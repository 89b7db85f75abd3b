// Sweeps of several instances sharing one PostgreSQL: each point of a sweep is a job of a pg-boss
// queue (schema `pgboss`) that any instance's workers take; the sweep, its progress and its points'
// summaries live in the `sweeps` and `sweep_points` tables, so GET /api/sweeps/:id answers the same
// on every instance.
//
// - Each instance runs at most `workers` points at once (one pg-boss worker each, one job per
//   fetch), each point on a worker thread (never on the event loop).
// - A point whose instance dies (kill -9) stays `active` in the queue until it expires
//   (`expireSeconds`); the maintenance of any live instance then puts it back for a retry, which
//   another instance takes. A point retried `RETRY_LIMIT` times goes to the dead-letter queue,
//   whose worker fails the sweep.
// - A point's simulation that throws fails the sweep at once (simulations are deterministic: a
//   retry would throw again).
// - A point's result is written under the sweep's row lock, so concurrent points never lose a
//   count, and a retried point already written is not counted twice.
import { runPoints, sweepConfigs, sweepResult, type PointSummary, type SweepInput, type SweepJob } from '@lockscope/cli';
import PgBoss from 'pg-boss';
import type pg from 'pg';

const QUEUE = 'lockscope-sweep-point';
const DEAD = 'lockscope-sweep-point-dead';
/** Times a point is retried after its instance died (or it expired) before the sweep fails. */
const RETRY_LIMIT = 3;
/** Unfinished sweeps in the whole cluster beyond which POST /api/sweeps answers 503. */
export const MAX_QUEUED_SWEEPS = 20;
/** Finished sweeps are kept this long for GET. */
const KEEP_FINISHED = '7 days';

interface PointJob {
  sweep: string;
  index: number;
}

export interface SweepQueueOptions {
  /** The id this instance writes next to the points it ran (the run registry's). */
  instanceId: string;
  /** Points this instance runs at once. */
  workers: number;
  /** A point not finished within this many seconds (its instance died) is retried elsewhere. */
  expireSeconds: number;
  log?: (message: string, error?: unknown) => void;
}

export class SweepQueue {
  private readonly boss: PgBoss;
  private started = false;

  constructor(
    private readonly pool: pg.Pool,
    connectionString: string,
    private readonly opts: SweepQueueOptions,
  ) {
    this.boss = new PgBoss({
      connectionString,
      max: Math.max(2, opts.workers + 1),
      // Expired points are found by the maintenance of whichever instance holds its turn.
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.ceil(opts.expireSeconds / 4))),
      application_name: 'lockscope-sweeps',
    });
    this.boss.on('error', (error: Error) => this.opts.log?.('sweep queue error', error));
  }

  /** Creates the queues if needed and starts this instance's workers. */
  async start(): Promise<void> {
    await this.boss.start();
    this.started = true;
    await this.boss.createQueue(DEAD);
    await this.boss.createQueue(QUEUE, { name: QUEUE, retryLimit: RETRY_LIMIT, retryDelay: 0, expireInSeconds: this.opts.expireSeconds, deadLetter: DEAD });
    for (let i = 0; i < this.opts.workers; i++) {
      await this.boss.work<PointJob>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => this.runPoint(job.data));
    }
    await this.boss.work<PointJob>(DEAD, { batchSize: 1, pollingIntervalSeconds: 2 }, async ([job]) =>
      this.fail(job.data.sweep, `point ${job.data.index} did not finish after ${RETRY_LIMIT + 1} attempts (its instances died or it ran longer than ${this.opts.expireSeconds} s)`),
    );
    await this.pool.query(`DELETE FROM sweeps WHERE finished_at < now() - interval '${KEEP_FINISHED}'`);
  }

  /** Records a validated sweep of `total` points and queues its points; returns its id. */
  async create(id: string, input: SweepInput, total: number): Promise<'queued' | 'full'> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM sweeps WHERE status = 'running'`);
    if ((rows[0]?.n ?? 0) >= MAX_QUEUED_SWEEPS) return 'full';
    await this.pool.query('INSERT INTO sweeps (id, input, total) VALUES ($1, $2::jsonb, $3)', [id, JSON.stringify(input), total]);
    await this.boss.insert(
      Array.from({ length: total }, (_, index) => ({
        name: QUEUE,
        data: { sweep: id, index } satisfies PointJob,
        retryLimit: RETRY_LIMIT,
        retryDelay: 0,
        expireInSeconds: this.opts.expireSeconds,
        deadLetter: DEAD,
      })),
    );
    return 'queued';
  }

  async get(id: string): Promise<SweepJob | undefined> {
    type Row = { input: SweepInput; total: number; done: number; status: SweepJob['status']; error: string | null };
    const { rows } = await this.pool.query<Row>('SELECT input, total, done, status, error FROM sweeps WHERE id = $1', [id]);
    const r = rows[0];
    if (!r) return undefined;
    const job: SweepJob = { id, status: r.status, done: r.done, total: r.total };
    if (r.error) job.error = r.error;
    if (r.status === 'done') {
      const points = await this.pool.query<{ summary: PointSummary }>('SELECT summary FROM sweep_points WHERE sweep = $1 ORDER BY idx', [id]);
      job.result = sweepResult(r.input, points.rows.map((p) => p.summary));
    }
    return job;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Points in flight here get 10 s to finish; those still running then are failed, and so
    // retried at once by the other instances.
    await this.boss.stop({ graceful: true, timeout: 10_000, wait: true, close: true });
  }

  private async runPoint({ sweep, index }: PointJob): Promise<void> {
    const { rows } = await this.pool.query<{ input: SweepInput; status: string }>('SELECT input, status FROM sweeps WHERE id = $1', [sweep]);
    const row = rows[0];
    if (!row || row.status !== 'running') return; // gone, failed or already done
    let summary: PointSummary;
    try {
      const config = sweepConfigs(row.input).configs[index];
      if (!config) throw new Error(`the sweep has no point ${index}`);
      [summary] = await runPoints([config], { workers: 1 });
    } catch (error) {
      await this.fail(sweep, error instanceof Error ? error.message : String(error));
      return;
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const locked = await client.query('SELECT 1 FROM sweeps WHERE id = $1 AND status = $2 FOR UPDATE', [sweep, 'running']);
      if (locked.rowCount === 1) {
        await client.query('INSERT INTO sweep_points (sweep, idx, summary, instance) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING', [
          sweep,
          index,
          JSON.stringify(summary),
          this.opts.instanceId,
        ]);
        await client.query(
          `UPDATE sweeps SET done = p.n,
             status = CASE WHEN p.n >= total THEN 'done' ELSE status END,
             finished_at = CASE WHEN p.n >= total THEN now() END
           FROM (SELECT count(*)::int AS n FROM sweep_points WHERE sweep = $1) p WHERE id = $1`,
          [sweep],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error; // the job fails and is retried
    } finally {
      client.release();
    }
  }

  private async fail(sweep: string, message: string): Promise<void> {
    this.opts.log?.(`sweep ${sweep} failed: ${message}`);
    await this.pool.query(`UPDATE sweeps SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running'`, [sweep, message]);
  }
}
