// Growable typed-array columns: the derived views grow while a live run streams in, and
// typed arrays keep a million intervals in tens of MB instead of hundreds of objects' worth.

export class GrowableU32 {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Uint32Array(capacity);
  }
  /** Makes room for `extra` more values in one allocation (bulk loads). */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    const next = new Uint32Array(Math.max(need, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
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
}

export class GrowableU8 {
  data: Uint8Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Uint8Array(capacity);
  }
  /** Makes room for `extra` more values in one allocation (bulk loads). */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    const next = new Uint8Array(Math.max(need, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Uint8Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
}
