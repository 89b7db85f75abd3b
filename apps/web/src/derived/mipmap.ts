// Level of detail for one timeline lane: a pyramid of buckets whose widths are powers of two
// nanoseconds, each bucket holding the maximum value of everything that touches it. Values
// encode importance (waiting > holding > span > idle), so when many intervals fall into one
// pixel the pixel shows the most important of them, as Tracy and Perfetto do. Inserting an
// interval costs O(its length in finest buckets); answering a view costs O(pixels).

/** Finest-level bucket count above which the finest level is dropped (memory bound per lane). */
export const DEFAULT_MAX_BUCKETS = 1 << 16;

export class MaxMipmap {
  /** levels[j] has buckets of width 2 ** (shift + j) ns. */
  private levels: Uint8Array[] = [];
  /** Used length of each level. */
  private lengths: number[] = [];
  private shift: number;

  constructor(
    private readonly maxBuckets = DEFAULT_MAX_BUCKETS,
    initialShift = 10,
  ) {
    this.shift = initialShift;
    this.levels.push(new Uint8Array(64));
    this.lengths.push(0);
  }

  /** Width in ns of the finest bucket kept. */
  get finestWidth(): number {
    return 2 ** this.shift;
  }

  get levelCount(): number {
    return this.levels.length;
  }

  /** Bytes held by all levels (for memory reports). */
  get bytes(): number {
    let n = 0;
    for (const l of this.levels) n += l.byteLength;
    return n;
  }

  /** Records `value` over [start, end) (ns). Zero-length intervals touch one bucket. */
  insert(start: number, end: number, value: number): void {
    if (!(end >= start) || start < 0) throw new RangeError(`bad interval [${start}, ${end}]`);
    // Keep the finest level within its budget by dropping it: the next level takes over.
    while (Math.floor(end / 2 ** this.shift) + 1 > this.maxBuckets) {
      if (this.levels.length === 1) {
        this.levels[0] = downsample(this.levels[0], this.lengths[0]);
        this.lengths[0] = Math.ceil(this.lengths[0] / 2);
      } else {
        this.levels.shift();
        this.lengths.shift();
      }
      this.shift++;
    }
    let w = 2 ** this.shift;
    for (let j = 0; ; j++) {
      if (j === this.levels.length) {
        // A new coarsest level built from the one below it.
        this.levels.push(downsample(this.levels[j - 1], this.lengths[j - 1]));
        this.lengths.push(Math.ceil(this.lengths[j - 1] / 2));
      }
      const b0 = Math.floor(start / w);
      // Half-open [start, end): an interval ending on a bucket edge does not touch the next one.
      const b1 = Math.max(b0, Math.ceil(end / w) - 1);
      this.ensure(j, b1 + 1);
      const level = this.levels[j];
      for (let b = b0; b <= b1; b++) if (level[b] < value) level[b] = value;
      if (this.lengths[j] <= 1) break;
      w *= 2;
    }
  }

  private ensure(j: number, length: number): void {
    let level = this.levels[j];
    if (length > level.length) {
      let cap = level.length;
      while (cap < length) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(level);
      this.levels[j] = level = next;
    }
    if (length > this.lengths[j]) this.lengths[j] = length;
  }

  /**
   * Index of the coarsest level whose buckets are no wider than `nsPerPx`, or -1 when even the
   * finest is wider (then the caller draws the raw intervals).
   */
  levelFor(nsPerPx: number): number {
    if (nsPerPx < 2 ** this.shift) return -1;
    const j = Math.floor(Math.log2(nsPerPx)) - this.shift;
    return Math.min(j, this.levels.length - 1);
  }

  /**
   * Maxes the lane's values into `columns` (one entry per pixel column) for the view starting
   * at `t0` with `nsPerPx` ns per pixel. Returns false when the view is finer than the finest
   * level (draw raw intervals instead).
   */
  fillColumns(columns: Uint8Array, t0: number, nsPerPx: number): boolean {
    const j = this.levelFor(nsPerPx);
    if (j < 0) return false;
    const level = this.levels[j];
    const len = this.lengths[j];
    const w = 2 ** (this.shift + j);
    const width = columns.length;
    const b0 = Math.max(0, Math.floor(t0 / w));
    const b1 = Math.min(len - 1, Math.floor((t0 + width * nsPerPx) / w));
    for (let b = b0; b <= b1; b++) {
      const v = level[b];
      if (v === 0) continue;
      let x0 = Math.floor((b * w - t0) / nsPerPx);
      let x1 = Math.ceil(((b + 1) * w - t0) / nsPerPx);
      if (x1 <= x0) x1 = x0 + 1;
      if (x0 < 0) x0 = 0;
      if (x1 > width) x1 = width;
      for (let x = x0; x < x1; x++) if (columns[x] < v) columns[x] = v;
    }
    return true;
  }
}

function downsample(level: Uint8Array, length: number): Uint8Array {
  const n = Math.max(1, Math.ceil(length / 2));
  let cap = 64;
  while (cap < n) cap *= 2;
  const out = new Uint8Array(cap);
  for (let i = 0; i < length; i++) {
    const o = i >> 1;
    if (out[o] < level[i]) out[o] = level[i];
  }
  return out;
}

/**
 * Maxes raw intervals into pixel columns: each interval covers at least one pixel so that no
 * wait disappears however short it is.
 */
export function fillInterval(columns: Uint8Array, start: number, end: number, value: number, t0: number, nsPerPx: number): void {
  const width = columns.length;
  let x0 = Math.floor((start - t0) / nsPerPx);
  let x1 = Math.ceil((end - t0) / nsPerPx);
  if (x1 <= x0) x1 = x0 + 1;
  if (x1 <= 0 || x0 >= width) return;
  if (x0 < 0) x0 = 0;
  if (x1 > width) x1 = width;
  for (let x = x0; x < x1; x++) if (columns[x] < value) columns[x] = value;
}

/** Runs of equal non-zero values in pixel columns: what a lane draws as rectangles. */
export function forEachRun(columns: Uint8Array, fn: (x0: number, x1: number, value: number) => void): void {
  const width = columns.length;
  let x = 0;
  while (x < width) {
    const v = columns[x];
    let e = x + 1;
    while (e < width && columns[e] === v) e++;
    if (v !== 0) fn(x, e, v);
    x = e;
  }
}
