import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start HTTP fakes and talk to a real MongoDB; give them room but never hang CI.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two cores: run files two at a time, each file with its own database.
    maxWorkers: 2,
  },
});
