// Append-only typed arrays that double when full: derived views grow with the trace without
// per-item allocation.

export class GrowableF64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
  /** A view of the used part (valid until the next push). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export class GrowableU32 {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Uint32Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Nearest-rank percentile of an ascending array: the smallest value >= p % of the values. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
}
