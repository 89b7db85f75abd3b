// The WebSocket client side of bench/ws-stream.bench.ts, run in its own process (its own core,
// and the server's memory measured without it). Receives one job over IPC, answers with the result.
import { createRequire } from 'node:module';
import { FrameDecoder, Trace } from '@lockscope/trace';

const require = createRequire(new URL('../apps/server/package.json', import.meta.url));
const WebSocket = require('ws');

const wallNow = () => performance.timeOrigin + performance.now();

function connect(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  return socket;
}

/** Receives a whole run; counts events (decoded, as a real client would) and payload bytes. */
function throughput({ url, format }) {
  return new Promise((resolve, reject) => {
    const socket = connect(url);
    const trace = new Trace(1 << 16);
    const decoder = new FrameDecoder();
    let ndjsonEvents = 0;
    let bytes = 0;
    let start = 0;
    let last = 0;
    let total = -1;
    const events = () => (format === 'binary' ? trace.length : ndjsonEvents);
    const finish = () => {
      socket.close();
      resolve({ events: events(), bytes, seconds: (last - start) / 1000 });
    };
    socket.on('message', (data, isBinary) => {
      const now = wallNow();
      if (isBinary) {
        decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), trace);
        bytes += data.length;
        last = now;
      } else {
        const text = data.toString();
        if (!text.endsWith('\n')) {
          const m = JSON.parse(text);
          if (m.type === 'hello') start = now;
          if (m.type === 'status' && (m.state === 'done' || m.state === 'stopped')) total = m.events;
          if (m.type === 'error') reject(new Error(m.message));
        } else {
          bytes += data.length;
          for (const line of text.split('\n')) {
            if (line === '') continue;
            const parsed = JSON.parse(line);
            if (parsed.type === undefined) ndjsonEvents++; // dictionary lines have a type, events do not
          }
          last = now;
        }
      }
      if (total >= 0 && events() >= total) finish();
    });
    socket.on('error', reject);
  });
}

/** Watches a paced run for `seconds`; per event, the delay from its due wall time to its arrival. */
function latency({ url, seconds }) {
  return new Promise((resolve, reject) => {
    const socket = connect(url);
    const trace = new Trace(1 << 16);
    const decoder = new FrameDecoder();
    let clock = null;
    let speed = 1;
    const delays = [];
    socket.on('message', (data, isBinary) => {
      const now = wallNow();
      if (!isBinary) {
        const m = JSON.parse(data.toString());
        if (m.type === 'status' && clock === null && m.state === 'running') {
          clock = m.clock;
          speed = m.speed;
        }
        return;
      }
      const from = trace.length;
      decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), trace);
      if (clock === null) return;
      for (let i = from; i < trace.length; i++) {
        const t = trace.time[i];
        if (t < clock.simTimeNs) continue; // produced before this viewer joined
        delays.push(now - (clock.wallMs + (t - clock.simTimeNs) / 1e6 / speed));
      }
    });
    socket.on('error', reject);
    setTimeout(() => {
      socket.close();
      resolve({ delays, events: trace.length });
    }, seconds * 1000);
  });
}

/** `n` viewers of one run that only count bytes, for `seconds`. */
function viewers({ url, n, seconds }) {
  return new Promise((resolve, reject) => {
    const bytes = new Array(n).fill(0);
    const sockets = [];
    for (let i = 0; i < n; i++) {
      const s = connect(url);
      s.on('message', (data, isBinary) => {
        if (isBinary) bytes[i] += data.length;
      });
      s.on('error', reject);
      sockets.push(s);
    }
    setTimeout(() => {
      for (const s of sockets) s.close();
      resolve({ bytes });
    }, seconds * 1000);
  });
}

/** Watches a run without decoding until it ends (so that it is complete for the next job). */
function drain({ url }) {
  return new Promise((resolve, reject) => {
    const socket = connect(url);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(data.toString());
      if (m.type === 'status' && (m.state === 'done' || m.state === 'stopped')) {
        socket.close();
        resolve({ events: m.events });
      }
    });
    socket.on('error', reject);
  });
}

const jobs = { throughput, latency, viewers, drain };
process.on('message', (job) => {
  jobs[job.kind](job).then(
    (result) => process.send({ ok: true, result }),
    (error) => process.send({ ok: false, error: String(error?.message ?? error) }),
  );
});
