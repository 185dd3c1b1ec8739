import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 90_000,
    // one audit key for the test processes and every kdr they start (a secret from the environment, as in production)
    env: { KDR_AUDIT_KEY: 'kdr-tests-audit-key-0123456789abcdef' },
    hookTimeout: 300_000,
    // Integration tests share one sandbox (with unique topic/group/queue names); two cores: keep it calm.
    fileParallelism: false,
    reporters: ['default'],
  },
});
