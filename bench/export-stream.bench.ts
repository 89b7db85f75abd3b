// Exports of big recordings: a 4 M-event (and, without --quick, a 20 M-event) recording is
// uploaded to a real server process, then downloaded whole as Chrome JSON and as NDJSON while
// /api/health is polled. Figures: the server's peak RSS during each download and the p95 and max
// latency of /api/health during it, against the baseline of the same server idle (after the
// upload, before the download), measured in the same run. Acceptance: peak RSS <= 700 MB and
// every health answer within 250 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BinaryFileWriter, Trace, mulberry32, randomValidTrace } from '@lockscope/trace';
import { median, percentile, type Bench, type BenchResult } from './types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MB = 1024 * 1024;
const progress = (text: string): void => void process.stderr.write(`  export-stream: ${text}\n`);

/** Writes a valid binary trace of `events` events, generated a window at a time (bounded memory here too). */
function writeTraceFile(path: string, events: number): number {
  const writer = new BinaryFileWriter();
  const parts: Buffer[] = [Buffer.from(writer.header())];
  const window = 1_000_000;
  const rng = mulberry32(7);
  let written = 0;
  let offset = 0;
  // Each window is an independent valid trace on the same dictionaries, shifted in time: locks
  // are all released at the end of a window by construction of releaseAll below.
  const dict = randomValidTrace(rng, { events: 16, threads: 64, locks: 200 });
  const trace = new Trace(window + 1024);
  for (const t of dict.threads) trace.addThread(t.name, t.role);
  // rwlocks: each window draws its own lock kinds, and an rwlock takes both modes.
  for (const l of dict.locks) trace.addLock({ ...l, kind: 'rwlock' });
  trace.meta = { generator: 'export-stream bench', events };
  while (written < events) {
    const n = Math.min(window, events - written);
    const part = randomValidTrace(rng, { events: n, threads: 64, locks: 200 });
    trace.length = 0;
    const labelOf = part.labels.map((text) => trace.label(text));
    for (let i = 0; i < part.length; i++) {
      const k = part.kind[i];
      const labelled = k === 3 || k === 5;
      const arg = part.arg[i];
      trace.push(part.time[i] + offset, part.thread[i], k as 0, labelled ? labelOf[part.ref[i]] : part.ref[i], part.mode[i], k === 3 && arg !== 0xffffffff ? labelOf[arg] : arg);
    }
    // Close what the window left open, so the next window starts clean.
    releaseAll(part, trace, offset);
    const drop = written;
    for (const f of writer.frames(trace, drop)) parts.push(Buffer.from(f));
    written += trace.length;
    offset = trace.time[trace.length - 1] + 1000;
  }
  const last = new Trace();
  for (const t of dict.threads) last.addThread(t.name, t.role);
  for (const l of dict.locks) last.addLock({ ...l, kind: 'rwlock' });
  for (const e of writer.end(last, written)) parts.push(Buffer.from(e));
  writeFileSync(path, Buffer.concat(parts));
  return written;
}

/** Appends to `into` the releases (and acquisitions of pending requests) that close `part`. */
function releaseAll(part: Trace, into: Trace, offset: number): void {
  const held = new Map<number, Map<number, number>>();
  const pending = new Map<number, [number, number]>();
  for (let i = 0; i < part.length; i++) {
    const th = part.thread[i];
    const k = part.kind[i];
    if (k === 0) pending.set(th, [part.ref[i], part.mode[i]]);
    else if (k === 1) {
      pending.delete(th);
      if (!held.has(th)) held.set(th, new Map());
      held.get(th)!.set(part.ref[i], part.mode[i]);
    } else if (k === 2) held.get(th)?.delete(part.ref[i]);
  }
  const end = (part.length ? part.time[part.length - 1] : 0) + offset + 1;
  // Pending requests cannot be acquired safely (the lock may be held): the next window starts
  // after them, so leave them out by acquiring only when free; simplest: drop those threads'
  // pending requests by ending the trace window before them.
  for (const [th, [lock]] of pending) {
    // Find and remove the pending request (the last event of that thread): replace it with a mark.
    for (let i = into.length - 1; i >= 0; i--) {
      if (into.thread[i] === th) {
        if (into.kind[i] === 0 && into.ref[i] === lock) {
          into.kind[i] = 5;
          into.ref[i] = into.label('pending request dropped');
          into.mode[i] = 0;
        }
        break;
      }
    }
  }
  for (const [th, locks] of held) for (const [lock, mode] of locks) into.push(end, th, 2, lock, mode, 0xffffffff);
  // Open spans: close them.
  const depth = new Map<number, number>();
  for (let i = 0; i < part.length; i++) {
    if (part.kind[i] === 3) depth.set(part.thread[i], (depth.get(part.thread[i]) ?? 0) + 1);
    else if (part.kind[i] === 4) depth.set(part.thread[i], (depth.get(part.thread[i]) ?? 1) - 1);
  }
  for (const [th, d] of depth) for (let j = 0; j < d; j++) into.push(end, th, 4, 0, 0, 0xffffffff);
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  // The built server (`pnpm build` first), as `pnpm start` runs it: its worker threads are plain JavaScript.
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: join(root, 'apps', 'server'),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOCKSCOPE_DATA_DIR: dataDir, LOCKSCOPE_UPLOAD_LIMIT: String(2 ** 31 - 1), LOCKSCOPE_RATE_LIMIT: '10000', LOCKSCOPE_BODY_IDLE_TIMEOUT_MS: '120000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Lockscope listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return { child, base };
}

/**
 * Polls /api/health every 50 ms until `stop` resolves; returns each latency in ms, and the
 * largest event-loop delay the server saw meanwhile (its own measure: what any request could
 * have waited for the server's thread, apart from this machine's scheduling).
 */
async function healthDuring(base: string, stop: Promise<unknown>): Promise<{ latencies: number[]; loopMaxMs: number }> {
  const latencies: number[] = [];
  let loopMaxMs = 0;
  let done = false;
  void stop.finally(() => (done = true));
  while (!done) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/health`);
    const body = (await res.json()) as { eventLoopDelayMs?: { max: number } };
    latencies.push(performance.now() - t0);
    if (latencies.length > 1) loopMaxMs = Math.max(loopMaxMs, body.eventLoopDelayMs?.max ?? 0);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { latencies, loopMaxMs };
}

/** Peak RSS of `pid` (sampled every 20 ms) until `stop` resolves. */
async function peakRssDuring(pid: number, stop: Promise<unknown>): Promise<number> {
  let peak = rssOf(pid);
  let done = false;
  void stop.finally(() => (done = true));
  while (!done) {
    peak = Math.max(peak, rssOf(pid));
    await new Promise((r) => setTimeout(r, 20));
  }
  return peak;
}

/**
 * Downloads `url` with curl, in its own process (like a browser would be), so that the client's
 * work competes neither with the health poller's event loop here nor more than it must for the CPU.
 */
function download(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const curl = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    curl.stdout.on('data', (d: Buffer) => (out += d.toString()));
    curl.on('error', reject);
    curl.on('exit', (code) => {
      const [status, size] = out.trim().split(' ');
      if (code !== 0 || status !== '200') reject(new Error(`${url}: curl exit ${code}, HTTP ${status}`));
      else resolve(Number(size));
    });
  });
}

const bench: Bench = async ({ quick }) => {
  const override = Number(process.env.LOCKSCOPE_BENCH_EXPORT_EVENTS);
  const sizes = override > 0 ? [override] : quick ? [4_000_000] : [4_000_000, 20_000_000];
  const reps = quick ? 1 : 3;
  const results: BenchResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-export-bench-'));
  for (const size of sizes) {
    const file = join(dir, `trace-${size}.lkscope`);
    progress(`writing a ${size}-event trace`);
    const events = writeTraceFile(file, size);
    const { child, base } = await startServer(join(dir, `data-${size}`));
    try {
      progress(`uploading ${(statSync(file).size / MB).toFixed(0)} MB`);
      const uploaded = await fetch(`${base}/api/recordings`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
      const { id, events: stored } = (await uploaded.json()) as { id: string; events: number };
      if (stored !== events) throw new Error(`stored ${stored} events, wrote ${events}`);
      await new Promise((r) => setTimeout(r, 1000));
      // Baseline: the same server, idle.
      const idleStop = new Promise((r) => setTimeout(r, 2000));
      const [{ latencies: idleHealth, loopMaxMs: idleLoopMax }, idleRss] = await Promise.all([healthDuring(base, idleStop), peakRssDuring(child.pid!, idleStop)]);
      for (const format of ['chrome', 'ndjson'] as const) {
        const peaks: number[] = [];
        const health: number[] = [];
        const maxes: number[] = [];
        const loopMaxes: number[] = [];
        let bytes = 0;
        let seconds = 0;
        for (let r = 0; r < reps; r++) {
          progress(`${size} events as ${format}, repetition ${r + 1}/${reps}`);
          const t0 = performance.now();
          const got = download(`${base}/api/recordings/${id}?format=${format}`);
          const [b, peak, { latencies: lat, loopMaxMs }] = await Promise.all([got, peakRssDuring(child.pid!, got), healthDuring(base, got)]);
          loopMaxes.push(loopMaxMs);
          seconds = (performance.now() - t0) / 1000;
          bytes = b;
          peaks.push(peak / MB);
          health.push(percentile(lat, 95));
          maxes.push(Math.max(...lat));
        }
        const label = `${size / 1e6} M events as ${format === 'chrome' ? 'Chrome JSON' : 'NDJSON'}`;
        results.push({
          name: `export ${label}: server peak RSS`,
          unit: 'MB',
          median: median(peaks),
          baseline: { name: 'the same server idle', median: idleRss / MB },
          floor: { op: '<=', value: 700 },
          extra: { MB: (bytes / MB).toFixed(0), seconds: seconds.toFixed(1), 'MB/s': (bytes / MB / seconds).toFixed(0) },
        });
        results.push({
          name: `export ${label}: /api/health p95 latency during it`,
          unit: 'ms',
          median: median(health),
          baseline: { name: 'the same server idle, p95', median: percentile(idleHealth, 95) },
          floor: { op: '<=', value: 250 },
          extra: { 'max ms (median of reps)': median(maxes).toFixed(1) },
        });
        results.push({
          name: `export ${label}: the server's largest event-loop delay during it`,
          unit: 'ms',
          median: median(loopMaxes),
          baseline: { name: 'the same server idle', median: idleLoopMax },
          floor: { op: '<=', value: 250 },
        });
      }
    } finally {
      child.kill('SIGTERM');
    }
  }
  return results;
};

export default bench;
