// The large trace the trace benchmarks read: a simulated fleet, or a generated trace of the same
// order of size when the simulator cannot be loaded.
import { mulberry32, randomValidTrace, type Trace } from '@lockscope/trace';

export async function fleetTrace(quick: boolean): Promise<{ trace: Trace; source: string }> {
  try {
    const sim = await import('@lockscope/sim');
    const params = quick ? { domains: 300, durationS: 120 } : { domains: 1000, durationS: 600 };
    const run = sim.createSimulation(sim.resolveConfig({ scenario: 'fleet', params }));
    run.runToEnd();
    return { trace: run.trace, source: `sim fleet ${params.domains} domains ${params.durationS} s` };
  } catch (e) {
    const trace = randomValidTrace(mulberry32(1), { events: quick ? 100_000 : 1_000_000, threads: 40, locks: 300, maxStep: 200_000 });
    return { trace, source: `randomValidTrace (simulator unavailable: ${(e as Error).message})` };
  }
}

/** Events per second of `fn` over `n` events. */
export function rate(n: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return n / ((performance.now() - t0) / 1000);
}
