import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createSimulation, resolveConfig } from '@lockscope/sim';
import { decodeAny, encodeTrace, Trace, validateTrace } from '@lockscope/trace';
import { checkPrerequisites } from '@lockscope/tracer';
import { UsageError } from '../errors.js';
import { run as trace } from './trace.js';
import { run as whatif } from './whatif.js';

const dir = mkdtempSync(join(tmpdir(), 'lockscope-whatif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Figures {
  makespanMs: number;
  apis: Record<string, { count: number; p50Ms: number }>;
}
interface WhatifOut {
  traced: Figures & { strategyAssumed: boolean };
  replay: Figures & { errorPct: number; stuckCalls: number };
  whatif: Figures & { preset: string; stuckCalls: number; notModelled: string[] };
}

/** Runs `whatif` and returns what it printed. */
async function runWhatif(argv: string[]): Promise<WhatifOut> {
  let printed = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  try {
    expect(await whatif(argv)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(printed) as WhatifOut;
}

describe('lockscope whatif', () => {
  it('replays a simulated 2013 storm within 1 % and re-simulates it with per-domain locks', async () => {
    const sim = createSimulation(resolveConfig({ scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 10 }, seed: 2 }));
    sim.runToEnd();
    const file = join(dir, 'storm.bin');
    writeFileSync(file, encodeTrace(sim.trace));
    const whatifFile = join(dir, 'whatif.ndjson');
    const out = await runWhatif([file, '--preset', 'feiner-both', '--out', whatifFile]);
    // --out writes the what-if's own trace, a valid one with the same calls
    const written = decodeAny(new Uint8Array(readFileSync(whatifFile)));
    expect(validateTrace(written)).toEqual({ ok: true });
    expect(written.meta).toMatchObject({ source: 'replay', preset: 'feiner-both' });
    expect(out.traced.strategyAssumed).toBe(false);
    expect(Math.abs(out.replay.errorPct)).toBeLessThan(1);
    expect(out.replay.stuckCalls).toBe(0);
    expect(out.whatif).toMatchObject({ preset: 'feiner-both', stuckCalls: 0, notModelled: [] });
    expect(out.whatif.makespanMs).toBeLessThan(out.traced.makespanMs);
    expect(out.whatif.apis.virDomainCreateWithFlags.count).toBe(10);
    expect(out.whatif.apis.virDomainCreateWithFlags.p50Ms).toBeLessThan(out.traced.apis.virDomainCreateWithFlags.p50Ms);
  });

  it('refuses bad usage and a trace without calls', async () => {
    await expect(whatif([join(dir, 'storm.bin')])).rejects.toThrow(/needs --preset/);
    await expect(whatif([join(dir, 'storm.bin'), '--preset', 'nope'])).rejects.toThrow(/nope/);
    const empty = new Trace();
    empty.addThread('t', 'worker');
    writeFileSync(join(dir, 'empty.bin'), encodeTrace(empty));
    await expect(whatif([join(dir, 'empty.bin'), '--preset', 'libvirt-2013'])).rejects.toThrow(UsageError);
  });
});

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '.ci', 'artifacts');
const host = checkPrerequisites();
if (!host.ok) console.warn(`skipping the real libvirtd what-if test: ${host.missing.join('; ')}`);

describe('lockscope whatif on a real libvirtd trace', () => {
  it.skipIf(!host.ok)(
    'replays a traced lifecycle within 10 % of its makespan',
    async () => {
      const file = join(dir, 'lifecycle.bin');
      // On a loaded machine the recorder now and then misses a release (as it does for the file
      // cache lock, docs/analysis.md), and a hold that never ends leaves later calls stuck in the
      // replay: such a trace is recorded once more, and said so.
      let out: WhatifOut | null = null;
      for (let attempt = 0; attempt < 2 && (!out || out.replay.stuckCalls > 0); attempt++) {
        if (out) {
          // Kept for whoever looks for the recorder's gap.
          const kept = join(ARTIFACTS, 'whatif-stuck-lifecycle.bin');
          mkdirSync(ARTIFACTS, { recursive: true });
          copyFileSync(file, kept);
          console.warn(`the traced lifecycle left ${out.replay.stuckCalls} calls stuck in its replay (kept in ${kept}): tracing it again`);
        }
        expect(await trace(['--workload', 'lifecycle', '--param', 'domains=3', '--out', file])).toBe(0);
        out = await runWhatif([file, '--preset', 'libvirt-9.0', '--set', 'security.lock=domain']);
      }
      if (!out) throw new Error('no what-if output');
      expect(out.traced.strategyAssumed).toBe(true);
      expect(out.traced.makespanMs).toBeGreaterThan(0);
      expect(out.replay.stuckCalls).toBe(0);
      expect(Math.abs(out.replay.makespanMs - out.traced.makespanMs) / out.traced.makespanMs).toBeLessThan(0.1);
      for (const api of ['virDomainDefineXML', 'virDomainCreate', 'virDomainDestroy']) {
        expect(out.replay.apis[api].count).toBe(out.traced.apis[api].count);
        expect(out.whatif.apis[api].count).toBe(out.traced.apis[api].count);
      }
      expect(out.whatif.stuckCalls).toBe(0);
    },
    150_000,
  );
});
