import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 300_000,
    // Integration tests share one sandbox (with unique topic/group/queue names); two cores: keep it calm.
    fileParallelism: false,
    reporters: ['default'],
  },
});
