// `pnpm bench [name...] [--quick] [--option value ...]`: runs every bench/*.bench.ts (or the
// named ones) and prints each figure with its baseline from the same run and the ratio between
// them. Options with a value (e.g. `pnpm bench web --intervals 10000000`) go to the benchmarks.
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench, BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const options: Record<string, string> = {};
const wanted: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--quick' || a === '--') continue;
  const eq = /^--([\w-]+)=(.*)$/.exec(a);
  if (eq) options[eq[1]] = eq[2];
  else if (a.startsWith('--') && i + 1 < args.length && !args[i + 1].startsWith('--')) options[a.slice(2)] = args[++i];
  else if (!a.startsWith('--')) wanted.push(a);
}
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (Math.abs(x) >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

const all: BenchResult[] = [];
for (const file of files) {
  console.log(`\n## ${file}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Bench };
  const results = await mod.default({ quick, options });
  for (const r of results) {
    all.push(r);
    let line = `${r.name}: median ${fmt(r.median)} ${r.unit}`;
    if (r.p95 !== undefined) line += `, p95 ${fmt(r.p95)}`;
    if (r.baseline) line += ` | baseline (${r.baseline.name}) ${fmt(r.baseline.median)} ${r.unit}, ratio ${(r.median / r.baseline.median).toFixed(3)}`;
    if (r.floor) {
      const ok = r.floor.op === '>=' ? r.median >= r.floor.value : r.median <= r.floor.value;
      line += ` | floor ${r.floor.op} ${fmt(r.floor.value)}: ${ok ? 'met' : 'NOT MET'}`;
    }
    console.log(line);
    if (r.extra) for (const [k, v] of Object.entries(r.extra)) console.log(`    ${k}: ${typeof v === 'number' ? fmt(v) : v}`);
  }
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify(all, null, 2));
