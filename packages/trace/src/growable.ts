// Append-only typed arrays that double when full: derived views grow with the trace without
// per-item allocation.

// Empty growables share one zero-length array: thousands of locks that are never taken then
// cost no allocation.
const EMPTY_F64 = new Float64Array(0);
const EMPTY_U32 = new Uint32Array(0);
const EMPTY_U8 = new Uint8Array(0);

/** An append-only typed array that doubles when full; `data` beyond `length` is spare room. */
export abstract class Growable<A extends Float64Array | Uint32Array | Uint8Array> {
  length = 0;
  constructor(public data: A) {}
  protected abstract allocate(capacity: number): A;
  push(v: number): number {
    if (this.length === this.data.length) this.grow();
    this.data[this.length] = v;
    return this.length++;
  }
  protected grow(): void {
    const next = this.allocate(Math.max(16, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
  /** Makes room for `extra` more values in one allocation (bulk loads). */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    const next = this.allocate(Math.max(need, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  /** Drops the spare room (after a bulk load) when it is more than an eighth of what is used:
   * room a doubling left, not the few percent a reserve adds (a copy costs more than it frees).
   * The next push grows it again. */
  trim(): void {
    if (this.data.length - this.length > (this.length >> 3)) this.data = this.data.slice(0, this.length) as A;
  }
  /** A view of the used part (valid until the next push). */
  view(): A {
    return this.data.subarray(0, this.length) as A;
  }
}

export class GrowableF64 extends Growable<Float64Array> {
  constructor(capacity = 0) {
    super(capacity > 0 ? new Float64Array(capacity) : EMPTY_F64);
  }
  protected allocate(capacity: number): Float64Array {
    return new Float64Array(capacity);
  }
}

export class GrowableU32 extends Growable<Uint32Array> {
  constructor(capacity = 0) {
    super(capacity > 0 ? new Uint32Array(capacity) : EMPTY_U32);
  }
  // The same push as the base's, as a function of its own: the engine then sees one kind of
  // array at this store (the base's push serves three), which keeps the hottest push of a
  // bulk load monomorphic.
  override push(v: number): number {
    if (this.length === this.data.length) this.grow();
    this.data[this.length] = v;
    return this.length++;
  }
  protected allocate(capacity: number): Uint32Array {
    return new Uint32Array(capacity);
  }
}

export class GrowableU8 extends Growable<Uint8Array> {
  constructor(capacity = 0) {
    super(capacity > 0 ? new Uint8Array(capacity) : EMPTY_U8);
  }
  // (a push of its own, as GrowableU32's: one kind of array at this store)
  override push(v: number): number {
    if (this.length === this.data.length) this.grow();
    this.data[this.length] = v;
    return this.length++;
  }
  protected allocate(capacity: number): Uint8Array {
    return new Uint8Array(capacity);
  }
}

/** Nearest-rank percentile of an ascending array: the smallest value >= p % of the values. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
}

/**
 * Values kept for exact percentiles as they grow: `sorted()` sorts only the values added since
 * the last call and merges them in, O(n + k log k) instead of a full sort per snapshot.
 */
export class SortedValues {
  private readonly values = new GrowableF64();
  private sortedValues = EMPTY_F64;

  get length(): number {
    return this.values.length;
  }

  push(v: number): void {
    this.values.push(v);
  }

  /** All values in ascending order (do not modify; valid until the next push + sorted()). */
  sorted(): Float64Array {
    const done = this.sortedValues.length;
    const n = this.values.length;
    if (done === n) return this.sortedValues;
    const fresh = this.values.data.slice(done, n).sort();
    const old = this.sortedValues;
    const merged = new Float64Array(n);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length && j < fresh.length) merged[k++] = old[i] <= fresh[j] ? old[i++] : fresh[j++];
    while (i < old.length) merged[k++] = old[i++];
    while (j < fresh.length) merged[k++] = fresh[j++];
    this.sortedValues = merged;
    return merged;
  }
}
