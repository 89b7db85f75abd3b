// The binary frames of one run, encoded once and sent to every binary viewer.
//
// Frames of @lockscope/trace's codec form a chain: each carries the dictionary additions since
// the previous frame and continues the event indexes where it stopped. A viewer that sends the
// chain from its first frame therefore never needs its own encoder, whenever it joined: the
// encoding cost of a run does not grow with its viewers. The log is extended lazily, when a
// viewer wants more, and holds about 5 bytes per event (the run's cap bounds it).
import { FrameEncoder, type Trace } from '@lockscope/trace';

/** Events per frame, at most: a frame is a few hundred kB at worst. */
export const MAX_EVENTS_PER_FRAME = 65_536;

export class FrameLog {
  private readonly encoder = new FrameEncoder();
  private readonly frames: Uint8Array[] = [];
  /** Index of the event after the last one of each frame. */
  private readonly ends: number[] = [];
  private encodedTo = 0;
  bytes = 0;

  get length(): number {
    return this.frames.length;
  }

  frame(i: number): Uint8Array {
    return this.frames[i];
  }

  /** Events covered by frames [0, i). */
  eventsBefore(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1];
  }

  /** Encodes the events of `trace` up to `upTo` that no frame holds yet. */
  extend(trace: Trace, upTo: number): void {
    const end = Math.min(upTo, trace.length);
    while (this.encodedTo < end) {
      const to = Math.min(end, this.encodedTo + MAX_EVENTS_PER_FRAME);
      const frame = this.encoder.encode(trace, this.encodedTo, to);
      this.frames.push(frame);
      this.ends.push(to);
      this.bytes += frame.byteLength;
      this.encodedTo = to;
    }
  }
}
