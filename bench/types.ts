/** One measured figure, printed beside a baseline measured in the same run. */
export interface BenchResult {
  /** What was measured, e.g. "sim fleet 1000 domains". */
  name: string;
  /** Unit of `median`, e.g. "events/s", "ms", "bytes/event". */
  unit: string;
  /** The figure: the median of the repetitions, unless the name says which other statistic it is (a "p95" line). */
  median: number;
  /** The 95th percentile on the bad side: for a time the 95th, for a rate (events/s) the 5th. */
  p95?: number;
  /** The baseline measured in the same run, in the same unit. */
  baseline?: { name: string; median: number };
  /** The acceptance floor or ceiling, for the printout: e.g. { op: '>=', value: 2e6 }. */
  floor?: { op: '>=' | '<='; value: number };
  /** Anything else worth printing (memory, sizes...). */
  extra?: Record<string, number | string>;
}

export interface BenchOptions {
  /** Fewer repetitions (CI smoke run). */
  quick: boolean;
  /** `--name value` options from the command line (e.g. `--intervals 10000000`). */
  options?: Record<string, string>;
}

/** A benchmark file under bench/ default-exports one of these. */
export type Bench = (opts: BenchOptions) => Promise<BenchResult[]>;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
