import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { JobQueue, QueueFullError } from './jobs.js';

describe('JobQueue', () => {
  it('runs a bounded number at once, queues the next ones in order, refuses beyond with 503 + Retry-After', async () => {
    const q = new JobQueue({ running: 1, queued: 1, perClient: 10 });
    const first = await q.admit('a', 'downloads');
    const order: string[] = [];
    const second = q.admit('b', 'downloads').then((release) => {
      order.push('b');
      return release;
    });
    expect(q.running).toBe(1);
    expect(q.queued).toBe(1);
    const third = q.admit('c', 'downloads');
    await expect(third).rejects.toBeInstanceOf(QueueFullError);
    await expect(third).rejects.toMatchObject({ statusCode: 503, extra: { retryAfterS: 5 } });
    first();
    first(); // twice is harmless
    (await second)();
    expect(order).toEqual(['b']);
    expect(q.running).toBe(0);
    expect(q.queued).toBe(0);
  });

  it('limits the transfers one client has in progress (429), not the others', async () => {
    const q = new JobQueue({ running: 10, queued: 10, perClient: 2 });
    const a1 = await q.admit('a', 'uploads');
    await q.admit('a', 'uploads');
    const refused = q.admit('a', 'uploads');
    await expect(refused).rejects.toBeInstanceOf(HttpError);
    await expect(refused).rejects.toMatchObject({ statusCode: 429, code: 'rate_limited' });
    await q.admit('b', 'uploads');
    a1();
    await q.admit('a', 'uploads');
    expect(q.running).toBe(3);
  });
});
