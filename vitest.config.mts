import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // 2 cores: one test file per core keeps BLAS threads and test files from fighting.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
