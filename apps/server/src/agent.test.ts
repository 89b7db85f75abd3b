// A tracer agent (`lockscope trace --follow PREFIX --live URL --token T`, the real CLI) streams
// what the preload recorder writes in a traced process to this server through a TCP relay. The
// test cuts every connection mid-stream, then stops the server and starts a new one on the same
// data folder; the agent reconnects and resumes. The run's events must be exactly those of the
// recorder's files: nothing lost, nothing twice.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Trace, validateTrace } from '@lockscope/trace';
import { DEFAULT_LIBRARY, decodeTraceFiles } from '@lockscope/tracer';
import { buildApp, type LockscopeApp } from './app.js';
import { tempDir, testConfig } from './test-support.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '@lockscope', 'cli', 'dist', 'main.js');

// A process locking a libvirt virMutex in bursts for a few seconds: the recorder's events.
const PRODUCER = `
#include <stdlib.h>
#include <string.h>
#include <time.h>
typedef struct { char opaque[64]; } virMutex;
int virMutexInit(virMutex *m);
void virMutexLock(virMutex *m);
void virMutexUnlock(virMutex *m);
int main(int argc, char **argv) {
  int rounds = atoi(argv[1]);
  virMutex m; memset(&m, 0, sizeof m); virMutexInit(&m);
  struct timespec pause = { 0, 2000000 };
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < 20; i++) { virMutexLock(&m); virMutexUnlock(&m); }
    nanosleep(&pause, NULL);
  }
  return 0;
}
`;

const work = tempDir('lockscope-agent-');
const producer = join(work, 'producer');
writeFileSync(join(work, 'producer.c'), PRODUCER);
const cc = spawnSync('gcc', ['-O2', '-o', producer, join(work, 'producer.c'), '-l:libvirt.so.0'], { encoding: 'utf8' });
const missing = [
  ...(cc.status === 0 ? [] : [`cannot build a libvirt client (gcc, libvirt0): ${(cc.stderr ?? String(cc.error)).split('\n')[0]}`]),
  ...(existsSync(DEFAULT_LIBRARY) ? [] : ['the preload library is not built']),
  ...(existsSync(cli) ? [] : ['the CLI is not built']),
];
if (missing.length > 0) console.warn(`skipping the agent test: ${missing.join('; ')}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A TCP relay to the current backend port; `cut()` drops every connection; no backend: refused. */
class Relay {
  backend = 0;
  private readonly sockets = new Set<Socket>();
  readonly server: Server = createServer((client) => {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    const upstream = createConnection({ host: '127.0.0.1', port: this.backend });
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  cut(): void {
    for (const s of this.sockets) s.destroy();
  }
}

async function start(config: ReturnType<typeof testConfig>): Promise<{ app: LockscopeApp; port: number }> {
  const app = buildApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Events as comparable lines (thread and lock by name, not by index). */
function lines(t: Trace): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.length; i++) {
    const thread = t.threads[t.thread[i]]?.name;
    out.push(`${t.time[i]} ${t.kind[i]} ${thread} ${t.ref[i]} ${t.mode[i]} ${t.arg[i]}`);
  }
  return out;
}

describe('a tracer agent streaming to the server', () => {
  it.skipIf(missing.length > 0)(
    'resumes after its connection is cut and the server restarts: the run holds exactly the recorder\'s events',
    async () => {
      const token = 'agent-token-0123456789abcdef';
      const config = testConfig({ token, idleGraceMs: 300_000 });
      const relay = new Relay();
      const relayPort = await relay.listen();
      let server = await start(config);
      relay.backend = server.port;

      const prefix = join(work, 'rec');
      const traced = spawn(producer, ['1500'], { env: { ...process.env, LD_PRELOAD: DEFAULT_LIBRARY, LOCKSCOPE_TRACE_OUT: prefix, LOCKSCOPE_FLUSH_MS: '50' }, stdio: 'ignore' });
      await until('the recording', () => existsSync(`${prefix}.events`));
      const out = join(work, 'agent.bin');
      const agent = spawn(process.execPath, [cli, 'trace', '--follow', prefix, '--pid', String(traced.pid), '--live', `http://127.0.0.1:${relayPort}`, '--token', token, '--format', 'binary', '--out', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      agent.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const agentExit = new Promise<number | null>((r) => agent.on('exit', (code) => r(code)));

      await until('the first frames', () => server.app.lockscope.runs.list().some((r) => r.source.trace.length > 0));
      const id = server.app.lockscope.runs.list()[0].id;
      // Mid-stream: every connection dropped, then the server goes away and a new one starts on the same data.
      relay.cut();
      relay.backend = 1; // nothing listens there: refused while the server is down
      await server.app.close();
      await new Promise((r) => setTimeout(r, 700));
      server = await start(config);
      relay.backend = server.port;
      expect(server.app.lockscope.runs.get(id)?.live).toBe(true);

      expect(await agentExit).toBe(0);
      const run = server.app.lockscope.runs.get(id)!;
      await until('the end of the run', () => !run.live, 10_000);
      expect(run.state).toBe('done');
      expect(stderr).toMatch(/retrying in \d+ ms/);

      const received = run.source.trace;
      const recorded = decodeTraceFiles(prefix).trace;
      expect(validateTrace(received)).toEqual({ ok: true });
      expect(recorded.length).toBeGreaterThan(10_000);
      expect(received.length).toBe(recorded.length);
      expect(lines(received).sort()).toEqual(lines(recorded).sort());
      await server.app.close();
      relay.server.close();
    },
    120_000,
  );
});
