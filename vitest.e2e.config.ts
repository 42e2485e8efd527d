import { defineConfig } from 'vitest/config';

// Browser journeys share one built site and one Chromium; run files one at a time on 2 cores.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    // Journeys on the sample site with only runtime config differing share one build (tests/helpers/site.ts).
    globalSetup: ['tests/helpers/build-cache.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
