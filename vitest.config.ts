import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Which backend the suite runs on is printed once, so a run's log says what it proved.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
