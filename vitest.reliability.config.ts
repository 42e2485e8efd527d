import { defineConfig } from 'vitest/config';

// Long stress runs of the support desk (bursts, SIGKILLs, outages): `npm run test:reliability`, not part of `npm test`.
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 300_000,
  },
});
