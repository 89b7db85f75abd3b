// Starts sim-worker.ts from the TypeScript sources (tests, benchmarks): tsx's loader first.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./sim-worker.ts', import.meta.url).href);
