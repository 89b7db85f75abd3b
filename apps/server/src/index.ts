export { buildApp, type BuildOptions, type LockscopeApp } from './app.js';
export { ConfigError, defaultConfig, loadConfig, type ServerConfig } from './config.js';
export type { AppContext } from './context.js';
export { HttpError, type ErrorBody, type ErrorCode } from './errors.js';
export { isId, newId } from './ids.js';
export { RunManager, TooManyRunsError } from './runs/manager.js';
export { Run, type EndReason, type RunState, type RunStatus, type Speed } from './runs/run.js';
export { ControlError, type RunSource, type StrategyChange } from './runs/source.js';
export { SimulationSource } from './runs/sim-source.js';
export { Viewer, type StreamFormat } from './runs/viewer.js';
export {
  DuplicateRecordingError,
  putRecording,
  readRecording,
  type NewRecording,
  type RecordingMeta,
  type RecordingPage,
  type RecordingSource,
  type RecordingStore,
  type RecordingWriter,
} from './store/recording-store.js';
export { SqliteRecordingStore } from './store/sqlite-store.js';
export { PostgresRecordingStore, migrate } from './store/postgres-store.js';
export { RunRegistry, type RegisteredRun } from './cluster/registry.js';
