// Worker thread of a sweep: simulates the configurations it is sent, one at a time.
import { parentPort } from 'node:worker_threads';
import type { SimConfig } from '@lockscope/sim';
import { simulatePoint } from './sweep-point.js';

const port = parentPort;
if (!port) throw new Error('sweep-worker runs as a worker thread');
port.on('message', (config: SimConfig) => {
  try {
    port.postMessage({ ok: true, summary: simulatePoint(config) });
  } catch (err) {
    port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
