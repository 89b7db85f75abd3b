// The one rate-limit policy (docs/protocol.md): every request that creates something (runs,
// uploads, snapshots, ingest runs, sign-ins) draws from one budget per client address,
// LOCKSCOPE_RATE_LIMIT per minute, whichever route it goes to. @fastify/rate-limit keeps a
// counter per route; this store is the one counter they all share (`child` returns it).

interface Window {
  current: number;
  ttl: number;
  startMs: number;
}

/** Most clients tracked at once; the oldest window is forgotten first. */
const MAX_CLIENTS = 10_000;

export class SharedBudgetStore {
  private readonly windows = new Map<string, Window>();

  incr(key: string, cb: (error: Error | null, result: { current: number; ttl: number }) => void, timeWindow = 60_000): void {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.startMs + timeWindow <= now) {
      this.windows.delete(key);
      if (this.windows.size >= MAX_CLIENTS) this.windows.delete(this.windows.keys().next().value as string);
      w = { current: 0, ttl: timeWindow, startMs: now };
      this.windows.set(key, w);
    }
    w.current++;
    w.ttl = timeWindow - (now - w.startMs);
    cb(null, { current: w.current, ttl: w.ttl });
  }

  child(): SharedBudgetStore {
    return this;
  }
}
