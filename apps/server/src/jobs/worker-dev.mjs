// Starts worker.ts from the TypeScript sources (tests, benchmarks): tsx's loader first.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
