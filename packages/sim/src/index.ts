// @lockscope/sim: a discrete-event model of libvirtd's QEMU driver locks.
export { scenarios, type ScenarioInfo, type ParamInfo } from './workloads.js';
export {
  presets,
  knobs,
  ConfigError,
  applyChange,
  type Strategy,
  type KnobInfo,
  type KnobName,
  type PresetInfo,
  type StrategyChange,
} from './strategy.js';
export { resolveConfig, DEFAULT_SEED, type SimConfig, type ConfigInput } from './config.js';
export { createSimulation, type Simulation } from './simulation.js';
export { COST_TABLES, COST_PROFILES, type Cost, type CostName, type CostProfile, type CostTable } from './costs.js';
export { API_NAMES, type ApiName } from './driver/api.js';
export {
  extractCalls,
  replayCalls,
  strategyMapper,
  identityMapper,
  REPLAYABLE_KNOBS,
  unmodelledKnobs,
  tracedStrategy,
  type ExtractedCalls,
  type ReplayJob,
  type ReplayOp,
  type ReplayResult,
  type LockMapper,
  type LockMapping,
} from './replay.js';
