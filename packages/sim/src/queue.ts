// The engine's event queue: what runs next, and when. A binary heap over parallel typed arrays
// (time, insertion sequence, token) plus a FIFO ring for wake-ups at the current time, which
// skip the heap. Ties are broken by insertion order, so runs are deterministic. Entries carry a
// token: the owner bumps an item's token to cancel its pending entries (a timed-out wait, a
// recycled process), and `take` hands back the token the entry was pushed with.

export class EventQueue<T> {
  /** The clock, in ns: the time of the last entry taken. */
  now = 0;
  /** The entry `take` returned last. */
  item: T | null = null;
  token = 0;

  private hTime = new Float64Array(1024);
  private hSeq = new Float64Array(1024);
  private hTok = new Float64Array(1024);
  private hItem: T[] = [];
  private hSize = 0;
  private seq = 0;
  // Entries at `now`: same order as through the heap, by (time, seq), all being at `now`.
  private rItem: T[] = new Array<T>(256);
  private rTok = new Float64Array(256);
  private rSeq = new Float64Array(256);
  private rHead = 0;
  private rCount = 0;

  get size(): number {
    return this.hSize + this.rCount;
  }

  /** Time of the next entry, or Infinity. */
  get nextTime(): number {
    if (this.rCount > 0) return this.now;
    return this.hSize === 0 ? Infinity : this.hTime[0];
  }

  /** Queues `item` at time `t` (>= now) with `token`. */
  push(t: number, item: T, token: number): void {
    if (t === this.now) this.pushNow(item, token);
    else this.pushHeap(t, item, token);
  }

  /** Takes the next entry into `item` and `token` and moves the clock; false when empty. */
  take(): boolean {
    if (this.rCount > 0 && !(this.hSize > 0 && this.hTime[0] === this.now && this.hSeq[0] < this.rSeq[this.rHead])) {
      const h = this.rHead;
      this.item = this.rItem[h];
      this.token = this.rTok[h];
      this.rHead = (h + 1) & (this.rItem.length - 1);
      this.rCount--;
      return true;
    }
    if (this.hSize === 0) return false;
    this.item = this.hItem[0];
    this.token = this.hTok[0];
    this.now = this.hTime[0];
    this.popHeap();
    return true;
  }

  private pushNow(item: T, token: number): void {
    if (this.rCount === this.rItem.length) this.growRing();
    const i = (this.rHead + this.rCount) & (this.rItem.length - 1);
    this.rItem[i] = item;
    this.rTok[i] = token;
    this.rSeq[i] = this.seq++;
    this.rCount++;
  }

  private growRing(): void {
    const n = this.rItem.length;
    const item = new Array<T>(n * 2);
    const tok = new Float64Array(n * 2);
    const seq = new Float64Array(n * 2);
    for (let k = 0; k < this.rCount; k++) {
      const i = (this.rHead + k) & (n - 1);
      item[k] = this.rItem[i];
      tok[k] = this.rTok[i];
      seq[k] = this.rSeq[i];
    }
    this.rItem = item;
    this.rTok = tok;
    this.rSeq = seq;
    this.rHead = 0;
  }

  private pushHeap(t: number, item: T, tok: number): void {
    if (this.hSize === this.hTime.length) this.growHeap();
    const seq = this.seq++;
    let i = this.hSize++;
    const ht = this.hTime;
    const hs = this.hSeq;
    // Sift up with a hole.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = ht[parent];
      if (pt < t || (pt === t && hs[parent] < seq)) break;
      ht[i] = pt;
      hs[i] = hs[parent];
      this.hTok[i] = this.hTok[parent];
      this.hItem[i] = this.hItem[parent];
      i = parent;
    }
    ht[i] = t;
    hs[i] = seq;
    this.hTok[i] = tok;
    this.hItem[i] = item;
  }

  private popHeap(): void {
    const n = --this.hSize;
    if (n === 0) return;
    const ht = this.hTime;
    const hs = this.hSeq;
    const t = ht[n];
    const seq = hs[n];
    const tok = this.hTok[n];
    const item = this.hItem[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (ht[r] < ht[c] || (ht[r] === ht[c] && hs[r] < hs[c]))) c = r;
      if (t < ht[c] || (t === ht[c] && seq < hs[c])) break;
      ht[i] = ht[c];
      hs[i] = hs[c];
      this.hTok[i] = this.hTok[c];
      this.hItem[i] = this.hItem[c];
      i = c;
    }
    ht[i] = t;
    hs[i] = seq;
    this.hTok[i] = tok;
    this.hItem[i] = item;
  }

  private growHeap(): void {
    const cap = this.hTime.length * 2;
    const t = new Float64Array(cap);
    t.set(this.hTime);
    const s = new Float64Array(cap);
    s.set(this.hSeq);
    const k = new Float64Array(cap);
    k.set(this.hTok);
    this.hTime = t;
    this.hSeq = s;
    this.hTok = k;
  }
}
