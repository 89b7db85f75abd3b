import { defineConfig } from 'vitest/config';

// Unit tests (store, level of detail, derived views). The browser tests have their own config.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
