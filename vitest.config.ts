import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code (pure logic, no IO), and integration tests
// (`*.int.test.ts`) against a real Redis and a real Docker engine, run one file at a time.
export default defineConfig({
  resolve: { conditions: ['draas-source'] },
  ssr: { resolve: { conditions: ['draas-source'], externalConditions: ['draas-source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{apps,libs}/*/src/**/*.test.{ts,tsx}'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{apps,libs}/*/src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
