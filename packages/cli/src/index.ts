// @lockscope/cli as a library: what the server and the benchmarks reuse.
export { runSweep, runPoints, sweepResult, sweepConfigs, simLink, type SweepInput, type SweepJob, type SweepPoint, type SweepResult, type SweepOptions, type PointSummary } from './sweep.js';
export { statsSummary, ms, type ApiSummary, type LockClassSummary } from './summary.js';
