import { describe, expect, it } from 'vitest';
import { FrameDecoder, Trace } from '@lockscope/trace';
import { LiveRefusedError, LiveUploader } from './live.js';

function growing(): { trace: Trace; add: (n: number) => void } {
  const trace = new Trace();
  const w = trace.addThread('w', 'worker');
  const l = trace.addLock({ name: 'm', class: 'other', kind: 'mutex' });
  let t = 0;
  return {
    trace,
    add: (n) => {
      for (let i = 0; i < n; i++, t += 10) {
        trace.request(t, w, l);
        trace.acquired(t + 1, w, l);
        trace.released(t + 2, w, l);
      }
    },
  };
}

/** A server in a function: applies frames in sequence; `fail` decides which calls fail and how. */
function fakeServer(fail: (call: number, url: string) => 'drop-request' | 'drop-answer' | Response | null) {
  const received = new Trace();
  const decoder = new FrameDecoder();
  let frames = 0;
  let calls = 0;
  const fetchFn = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    const call = calls++;
    const failure = fail(call, url);
    if (failure === 'drop-request') throw new TypeError('fetch failed: connection reset');
    if (failure instanceof Response) return failure;
    if (url.endsWith('/api/ingest')) return Response.json({ id: 'AAAAAAAAAAAAAAAAAAAAAA', ingest: '/api/runs/AAAAAAAAAAAAAAAAAAAAAA/ingest' }, { status: 201 });
    const seq = Number(new URL(url).searchParams.get('seq'));
    if (seq === frames) {
      decoder.decode(new Uint8Array(init!.body as Uint8Array), received);
      frames++;
    } else if (seq > frames) return Response.json({ error: 'conflict', acked: frames }, { status: 409 });
    if (failure === 'drop-answer') throw new TypeError('fetch failed: socket hang up');
    return Response.json({ acked: frames, events: received.length });
  }) as typeof fetch;
  return { fetchFn, received, frames: () => frames };
}

describe('LiveUploader (the agent side of lockscope trace --live)', () => {
  it('resends what a dropped connection lost and nothing the server already applied', async () => {
    // Call 2 never reaches the server; call 4 is applied but its answer is lost; call 5 gets a 502.
    const server = fakeServer((call) => (call === 2 ? 'drop-request' : call === 4 ? 'drop-answer' : call === 5 ? new Response('bad gateway', { status: 502 }) : null));
    const live = new LiveUploader('http://server.test', { fetch: server.fetchFn, backoffMs: 1, maxBackoffMs: 4 });
    await live.open({ title: 't' });
    const { trace, add } = growing();
    for (let i = 0; i < 5; i++) {
      add(10);
      live.push(trace);
    }
    await live.close(trace);
    expect(live.reconnections).toBe(3);
    expect(server.received.length).toBe(trace.length);
    expect(Array.from(server.received.time.subarray(0, trace.length))).toEqual(Array.from(trace.time.subarray(0, trace.length)));
    expect(live.acked).toBe(server.frames());
  });

  it('stops at once on a refusal that retrying cannot help (a wrong token)', async () => {
    const server = fakeServer((call) => (call === 0 ? Response.json({ error: 'unauthorized', message: 'this server needs its token' }, { status: 401 }) : null));
    const live = new LiveUploader('http://server.test', { fetch: server.fetchFn, backoffMs: 1 });
    await expect(live.open({})).rejects.toBeInstanceOf(LiveRefusedError);
    await expect(new LiveUploader('http://server.test', { fetch: server.fetchFn, backoffMs: 1 }).open({})).resolves.toBeUndefined();
  });

  it('gives up after giveUpMs without an acknowledgement', async () => {
    const server = fakeServer(() => 'drop-request');
    const live = new LiveUploader('http://server.test', { fetch: server.fetchFn, backoffMs: 1, maxBackoffMs: 2, giveUpMs: 30 });
    await expect(live.open({})).rejects.toThrow(/cannot create the live run for 0 s/);
  });
});
