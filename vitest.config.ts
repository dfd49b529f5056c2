import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and end-to-end tests against real engines (dockerd with BuildKit,
// a loopback registry, skopeo, umoci) that test/e2e/global-setup.ts installs, starts and stops.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          setupFiles: ['test/fast-check-setup.ts'],
          // CI's 2 cores are often busy (both vitest projects run at once): CPU-heavy unit tests (a
          // 20 000-op marshal, property runs) took up to 2.5 x vitest's 5 s default under
          // `stress-ng --cpu 2`. A hang still fails; speed is the benchmarks' business.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_200_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
