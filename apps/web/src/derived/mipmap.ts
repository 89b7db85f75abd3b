// Level of detail for one timeline lane: a pyramid of buckets whose widths are powers of two
// nanoseconds, each bucket holding the maximum value of everything that touches it. Values
// encode importance (waiting > holding > span > idle), so when many intervals fall into one
// pixel the pixel shows the most important of them, as Tracy and Perfetto do. Inserting an
// interval costs O(its length in finest buckets); answering a view costs O(pixels).

/** Finest-level bucket count above which the finest level is dropped (memory bound per lane). */
export const DEFAULT_MAX_BUCKETS = 1 << 17;

/** A pyramid as plain data, to move it between threads (its levels' buffers transfer). */
export interface MipmapState {
  maxBuckets: number;
  shift: number;
  levels: Uint8Array[];
  lengths: number[];
  dirtyFinest: number;
}

export class MaxMipmap {
  /** levels[j] has buckets of width 2 ** (shift + j) ns. Only level 0 is written on insert. */
  private levels: Uint8Array[] = [];
  /** Used length of each level. */
  private lengths: number[] = [];
  /** levels[0] and lengths[0], as fields for the insert path. */
  private finest: Uint8Array;
  private finestLength = 0;
  /** Lowest finest-level bucket written since the coarser levels were last brought up to date. */
  private dirtyFinest = Infinity;
  private shift: number;
  /** 2 ** shift and its inverse (exact: a power of two), cached for the insert path. */
  private width: number;
  private perWidth: number;
  /** Ends beyond this need a coarser finest level (maxBuckets * width). */
  private limit: number;

  constructor(
    private readonly maxBuckets = DEFAULT_MAX_BUCKETS,
    initialShift = 10,
  ) {
    this.shift = initialShift;
    this.width = 2 ** initialShift;
    this.perWidth = 1 / this.width;
    this.limit = this.maxBuckets * this.width;
    this.finest = new Uint8Array(64);
    this.levels.push(this.finest);
    this.lengths.push(0);
  }

  /**
   * Before the first insert: picks the finest bucket width that keeps `[0, end)` within the
   * budget and sizes the finest level for it, so that a bulk load up to `end` neither drops
   * levels nor regrows them one doubling at a time (the result is the same pyramid).
   */
  reserve(end: number): void {
    if (this.lengths[0] !== 0 || this.levels.length !== 1 || !(end > 0)) return;
    let w = this.width;
    while (Math.ceil(end / w) > this.maxBuckets) {
      this.shift++;
      w = 2 ** this.shift;
      this.setWidth(w);
    }
    const need = Math.ceil(end / w);
    if (need > this.levels[0].length) this.grow(0, need);
  }

  /** The pyramid as plain data, its coarser levels brought up to date first (it must not be
   * used after its levels' buffers move). */
  toState(): MipmapState {
    this.propagate();
    return { maxBuckets: this.maxBuckets, shift: this.shift, levels: this.levels, lengths: this.lengths, dirtyFinest: this.dirtyFinest };
  }

  static fromState(state: MipmapState): MaxMipmap {
    const m = new MaxMipmap(state.maxBuckets, state.shift);
    m.levels = state.levels;
    m.lengths = state.lengths;
    m.finest = state.levels[0];
    m.finestLength = state.lengths[0];
    m.dirtyFinest = state.dirtyFinest;
    return m;
  }

  /** Width in ns of the finest bucket kept. */
  get finestWidth(): number {
    return 2 ** this.shift;
  }

  get levelCount(): number {
    this.propagate();
    return this.levels.length;
  }

  /** Bytes held by all levels (for memory reports). */
  get bytes(): number {
    let n = 0;
    for (const l of this.levels) n += l.byteLength;
    return n;
  }

  /**
   * Records `value` over [start, end) (ns). Zero-length intervals touch one bucket. Only the
   * finest level is written; coarser levels are brought up to date when a view reads them, so a
   * bulk load costs one pass per level, not one per interval per level.
   */
  insert(start: number, end: number, value: number): void {
    if (!(end >= start) || start < 0) throw new RangeError(`bad interval [${start}, ${end}]`);
    // Keep the finest level within its budget by dropping it: the next level takes over.
    while (end > this.limit) this.dropFinest();
    const k = this.perWidth;
    const b0 = Math.floor(start * k);
    // Half-open [start, end): an interval ending on a bucket edge does not touch the next one.
    const b1 = Math.max(b0, Math.ceil(end * k) - 1);
    let level = this.finest;
    if (b1 >= level.length) level = this.finest = this.grow(0, b1 + 1);
    if (b1 >= this.finestLength) this.finestLength = this.lengths[0] = b1 + 1;
    for (let b = b0; b <= b1; b++) if (level[b] < value) level[b] = value;
    if (b0 < this.dirtyFinest) this.dirtyFinest = b0;
  }

  private grow(j: number, length: number): Uint8Array {
    const level = this.levels[j];
    let cap = level.length;
    while (cap < length) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(level);
    this.levels[j] = next;
    if (j === 0) this.finest = next;
    return next;
  }

  private dropFinest(): void {
    this.propagate();
    if (this.levels.length === 1) {
      // A single bucket level: make its coarser neighbour by hand.
      this.levels.push(downsample(this.levels[0], this.lengths[0]));
      this.lengths.push(Math.ceil(this.lengths[0] / 2));
    }
    this.levels.shift();
    this.lengths.shift();
    this.finest = this.levels[0];
    this.finestLength = this.lengths[0];
    this.shift++;
    this.setWidth(2 ** this.shift);
  }

  private setWidth(w: number): void {
    this.width = w;
    this.perWidth = 1 / w;
    this.limit = this.maxBuckets * w;
  }

  /** Brings every coarser level up to date with what changed in the finest since last time. */
  propagate(): void {
    if (this.dirtyFinest === Infinity) return;
    let from = this.dirtyFinest;
    this.dirtyFinest = Infinity;
    for (let k = 1; ; k++) {
      const below = this.lengths[k - 1];
      from = from >> 1;
      if (k === this.levels.length) {
        if (below <= 1) break;
        // A new level has nothing yet: build it (and all above it) from the start.
        this.levels.push(new Uint8Array(64));
        this.lengths.push(0);
        from = 0;
      }
      const len = Math.max(1, Math.ceil(below / 2));
      let level = this.levels[k];
      if (len > level.length) level = this.grow(k, len);
      this.lengths[k] = len;
      const src = this.levels[k - 1];
      // Pairs wholly inside the level below, then a possible odd last bucket.
      const pairs = below >> 1;
      for (let b = from; b < pairs; b++) {
        const a = src[2 * b];
        const c = src[2 * b + 1];
        level[b] = a > c ? a : c;
      }
      if (below & 1 && pairs >= from) level[pairs] = src[2 * pairs];
    }
  }

  /**
   * Index of the coarsest level whose buckets are no wider than `nsPerPx`, or -1 when even the
   * finest is wider (then the caller draws the raw intervals).
   */
  levelFor(nsPerPx: number): number {
    if (nsPerPx < 2 ** this.shift) return -1;
    this.propagate();
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
    // Runs of equal buckets are one span of pixels (a busy lane's buckets mostly repeat).
    for (let b = b0; b <= b1; b++) {
      const v = level[b];
      if (v === 0) continue;
      let e = b + 1;
      while (e <= b1 && level[e] === v) e++;
      let x0 = Math.floor((b * w - t0) / nsPerPx);
      let x1 = Math.ceil((e * w - t0) / nsPerPx);
      b = e - 1;
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
