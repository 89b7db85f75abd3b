// Development aid: index build CPU time of two copies of the index (A_INDEX, B_INDEX: paths to a
// timelineIndex.ts), alternating in one process.
import { syntheticTrace } from '../derived/synthetic.js';
const n = Number(process.argv[2] ?? 1_000_000);
type Ctor = new (t: ReturnType<typeof syntheticTrace>) => { update(): number; size: number; bytes: number };
const versions: Array<[string, Ctor]> = [];
for (const key of ['A_INDEX', 'B_INDEX']) {
  const p = process.env[key];
  if (p) versions.push([key, ((await import(p)) as { TimelineIndex: Ctor }).TimelineIndex]);
}
const tr = syntheticTrace({ intervals: n, threads: 24, locks: 32, seed: 11 });
for (const [, C] of versions) new C(syntheticTrace({ intervals: 20000, threads: 24, locks: 32, seed: 11 })).update();
const cpu: Record<string, number[]> = {};
const reps = Number(process.env.REPS ?? 3);
for (let r = 0; r < reps; r++) {
  const order = r % 2 ? [...versions].reverse() : versions;
  for (const [name, C] of order) {
    globalThis.gc?.();
    const c0 = process.cpuUsage();
    const ix = new C(tr);
    ix.update();
    const c1 = process.cpuUsage(c0);
    (cpu[name] ??= []).push((c1.user + c1.system) / 1000);
    if (r === 0) console.log(name, 'bytes/interval', (ix.bytes / ix.size).toFixed(1));
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [name, a] of Object.entries(cpu)) console.log(name, 'median cpu ms', Math.round(med(a)), 'min', Math.round(Math.min(...a)), a.map(Math.round).join(' '));
if (cpu.A_INDEX && cpu.B_INDEX) console.log('ratio B/A (median)', (med(cpu.B_INDEX) / med(cpu.A_INDEX)).toFixed(3));
