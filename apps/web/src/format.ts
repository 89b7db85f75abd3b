// Human-readable durations and times (the trace counts in ns).

export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '—';
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(a >= 1e10 ? 1 : 2)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(a >= 1e7 ? 1 : 2)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(a >= 1e4 ? 1 : 2)} µs`;
  return `${Math.round(ns)} ns`;
}

export function formatPct(x: number): string {
  return `${x.toFixed(x >= 10 ? 0 : 1)} %`;
}
