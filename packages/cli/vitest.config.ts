import { defineConfig } from 'vitest/config';

// The tests spawn the built CLI; on a busy 2-core machine a spawn can take seconds.
export default defineConfig({ test: { testTimeout: 60_000 } });
