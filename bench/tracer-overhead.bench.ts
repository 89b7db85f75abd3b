// The preload recorder's cost to libvirtd: the daemon's CPU time (user + system, all threads)
// during N concurrent lifecycles, with and without the library, runs interleaved, medians.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIBRARY, checkPrerequisites, traceWorkload } from '@lockscope/tracer';
import { median, type Bench, type BenchResult } from './types.js';

// A plain virMutex locked and unlocked in a loop through libvirt.so: the recorder's cost per
// event, measured apart from everything else the daemon does (three events per iteration), in
// CPU time of the whole process (the recorder's flusher thread included; a loaded host's
// preemptions excluded, which wall time would count).
const MUTEX_LOOP = `
#include <stdio.h>
#include <string.h>
#include <time.h>
typedef struct { char opaque[64]; } virMutex;
int virMutexInit(virMutex *m);
void virMutexLock(virMutex *m);
void virMutexUnlock(virMutex *m);
int main(void) {
  virMutex m; memset(&m, 0, sizeof m); virMutexInit(&m);
  struct timespec a, b; const int n = 300000;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  for (int i = 0; i < n; i++) { virMutexLock(&m); virMutexUnlock(&m); }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  printf("%f\\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
`;

/** CPU ns per lock + unlock of a virMutex, with the recorder (recording to a temp file) or without. */
function mutexLoopNs(dir: string, exe: string, traced: boolean): number {
  const env = { ...process.env, ...(traced ? { LD_PRELOAD: DEFAULT_LIBRARY, LOCKSCOPE_TRACE_OUT: join(dir, 'loop') } : {}) };
  const r = spawnSync(exe, [], { env, encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/** Daemon CPU during `domains` concurrent lifecycles, with and without the recorder, `runs` interleaved pairs. */
async function overhead(domains: number, runs: number): Promise<{ traced: number[]; plain: number[]; tracedWall: number[]; plainWall: number[]; events: number }> {
  const out = { traced: [] as number[], plain: [] as number[], tracedWall: [] as number[], plainWall: [] as number[], events: 0 };
  for (let i = 0; i < runs; i++) {
    // Which of the pair goes first alternates, so that a drift of the host's load favours neither.
    const order = i % 2 === 0 ? [false, true] : [true, false];
    for (const withRecorder of order) {
      // Decoded after the run, not live: on 2 cores a live decoder competes with the daemon for CPU
      // and its preemptions show up in the daemon's system time. This measures the recorder alone.
      const r = await traceWorkload({ workload: 'lifecycle', params: { domains }, pollMs: 600_000, ...(withRecorder ? {} : { library: null }) });
      (withRecorder ? out.traced : out.plain).push(r.workloadCpuMs);
      (withRecorder ? out.tracedWall : out.plainWall).push(r.workloadMs);
      if (withRecorder) out.events = r.trace?.length ?? 0;
      const failed = r.clients.filter((c) => c.exitCode !== 0).length;
      if (failed > 0) console.log(`tracer-overhead: ${failed} virsh client(s) failed in run ${i + 1} (${domains} lifecycles)`);
    }
  }
  return out;
}

/** Per event, measured apart: the loop makes 3 events (request, acquired, released) per iteration. */
function perEvent(): { perEventNs: number; untracedPairNs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-bench-'));
  try {
    writeFileSync(join(dir, 'loop.c'), MUTEX_LOOP);
    const exe = join(dir, 'loop');
    const cc = spawnSync('gcc', ['-O2', '-o', exe, join(dir, 'loop.c'), '-l:libvirt.so.0'], { encoding: 'utf8' });
    if (cc.status !== 0) {
      console.log(`tracer-overhead: cannot build the mutex loop: ${cc.stderr.split('\n')[0]}`);
      return { perEventNs: NaN, untracedPairNs: NaN };
    }
    const tracedNs: number[] = [];
    const plainNs: number[] = [];
    for (let i = 0; i < 5; i++) {
      plainNs.push(mutexLoopNs(dir, exe, false));
      tracedNs.push(mutexLoopNs(dir, exe, true));
    }
    const untracedPairNs = median(plainNs);
    return { perEventNs: (median(tracedNs) - untracedPairNs) / 3, untracedPairNs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: Bench = async ({ quick }) => {
  const pre = checkPrerequisites();
  if (!pre.ok) {
    console.log(`tracer-overhead: skipped, ${pre.missing.join('; ')}`);
    return [];
  }
  // LOCKSCOPE_BENCH_LIFECYCLES=10,50 and LOCKSCOPE_BENCH_RUNS=5 by default (quick: 5 lifecycles, 1 run).
  const sizes = quick ? [5] : (process.env.LOCKSCOPE_BENCH_LIFECYCLES ?? '10,50').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const runs = quick ? 1 : Number(process.env.LOCKSCOPE_BENCH_RUNS ?? 5);
  const { perEventNs, untracedPairNs } = perEvent();
  const results: BenchResult[] = [
    {
      name: 'recorder cost per event (virMutex lock/unlock loop)',
      unit: 'ns',
      median: Math.round(perEventNs),
      extra: { 'untraced lock + unlock (ns)': Math.round(untracedPairNs) },
    },
  ];
  for (const domains of sizes) {
    const m = await overhead(domains, runs);
    const base = median(m.plain);
    const withLib = median(m.traced);
    results.push(
      {
        name: `libvirtd CPU during ${domains} concurrent lifecycles, with the recorder`,
        unit: 'ms',
        median: withLib,
        baseline: { name: 'without the recorder', median: base },
        floor: { op: '<=', value: Math.round(base * 1.05) },
        extra: {
          runs,
          'runs with (ms)': m.traced.join(', '),
          'runs without (ms)': m.plain.join(', '),
          'events per traced run': m.events,
          'events x cost per event / daemon CPU without': `${Math.round(((m.events * perEventNs) / 1e6 / base) * 1000) / 10} %`,
        },
      },
      {
        name: `recorder overhead on daemon CPU, ${domains} lifecycles`,
        unit: '%',
        median: Math.round((withLib / base - 1) * 1000) / 10,
        floor: { op: '<=', value: 5 },
      },
      {
        name: `workload wall time, ${domains} concurrent lifecycles, with the recorder`,
        unit: 'ms',
        median: Math.round(median(m.tracedWall)),
        baseline: { name: 'without the recorder', median: Math.round(median(m.plainWall)) },
      },
    );
  }
  return results;
};

export default bench;
