// Growable byte buffer and a bounds-checked reader: LEB128 varints, zigzag, UTF-8 strings,
// CRC-32, and strict UTF-8 decoding for the text codecs. No Node-only APIs, so the browser can
// use it too.
import { TraceError } from './model.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a text format (NDJSON, Chrome JSON) as a string; invalid UTF-8 throws a TraceError naming `format`. */
export function utf8Text(bytes: Uint8Array, format: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new TraceError(`${format}: input is not valid UTF-8`);
  }
}

/** Largest value a varint may carry: integers beyond 2^53 lose precision in a JS number. */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

export class ByteWriter {
  bytes: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = v;
  }

  u32At(offset: number, v: number): void {
    this.view.setUint32(offset, v, true);
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** Unsigned LEB128 of an integer in [0, 2^53). The caller ensures room for 8 bytes. */
  varintUnchecked(v: number): void {
    const b = this.bytes;
    let p = this.pos;
    if (v < 0x80) {
      b[p++] = v;
    } else if (v < 0x4000) {
      b[p++] = (v & 0x7f) | 0x80;
      b[p++] = v >>> 7;
    } else if (v < 0x10000000) {
      while (v >= 0x80) {
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[p++] = v;
    } else {
      // Beyond 28 bits bitwise operators would truncate to 32 bits: use arithmetic.
      while (v >= 0x80) {
        b[p++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      b[p++] = v;
    }
    this.pos = p;
  }

  varint(v: number): void {
    this.ensure(8);
    this.varintUnchecked(v);
  }

  /** Zigzag-encoded signed integer with |v| < 2^52. */
  svarint(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  string(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.ensure(8 + s.length * 3);
    const lenPos = this.pos;
    // Reserve the length as a fixed 4-byte varint would complicate decoding; instead encode
    // into place after a provisional 1-byte length and move the bytes when the length is longer.
    const start = lenPos + 1;
    const { written } = utf8Encoder.encodeInto(s, this.bytes.subarray(start));
    if (written < 0x80) {
      this.bytes[lenPos] = written;
      this.pos = start + written;
      return;
    }
    const lenBytes = varintSize(written);
    this.bytes.copyWithin(lenPos + lenBytes, start, start + written);
    this.pos = lenPos;
    this.varintUnchecked(written);
    this.pos = lenPos + lenBytes + written;
  }

  bytesOf(b: Uint8Array): void {
    this.ensure(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written. */
  result(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Reads what ByteWriter wrote; every read past `end` throws a TraceError naming `what`. */
export class ByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    readonly what = 'binary trace',
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw new TraceError(`${this.what}: ${message} (at byte ${this.pos})`);
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`truncated: ${n} byte(s) needed, ${this.end - this.pos} left`);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('truncated');
    return this.bytes[this.pos++];
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  varint(): number {
    const b = this.bytes;
    const end = this.end;
    let p = this.pos;
    if (p < end) {
      const b0 = b[p];
      if (b0 < 0x80) {
        this.pos = p + 1;
        return b0;
      }
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= end) {
        this.pos = p;
        this.fail('truncated varint');
      }
      const byte = b[p++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.pos = p;
        if (result > MAX_VARINT) this.fail('varint out of range');
        return result;
      }
      scale *= 128;
    }
    this.pos = p;
    return this.fail('varint longer than 8 bytes');
  }

  svarint(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  string(): string {
    const len = this.varint();
    this.need(len);
    const start = this.pos;
    this.pos += len;
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, start + len));
    } catch {
      this.pos = start;
      return this.fail('invalid UTF-8 in a string');
    }
  }
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
