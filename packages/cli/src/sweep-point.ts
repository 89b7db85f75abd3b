// One sweep point: a whole simulation, summarised (run inside a worker thread, or inline).
import { createSimulation, type SimConfig } from '@lockscope/sim';
import { statsSummary } from './summary.js';
import type { PointSummary } from './sweep.js';

export function simulatePoint(config: SimConfig): PointSummary {
  const sim = createSimulation(config);
  sim.runToEnd();
  const { makespanMs, apis, lockClasses } = statsSummary(sim.trace);
  return { makespanMs, apis, lockClasses };
}
