import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Browser journeys: npm run test:e2e; long stress runs: npm run test:reliability.
    exclude: ['tests/e2e/**', 'tests/reliability/**', 'node_modules/**'],
    // Test files that build the sample site with only runtime config differing share one build (tests/helpers/site.ts).
    globalSetup: ['tests/helpers/build-cache.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
