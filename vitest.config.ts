import { defineConfig } from 'vitest/config';

/**
 * Test tiers as vitest projects: `unit` (no I/O), `integration` (DynamoDB Local, started once per run),
 * `infra` (CDK template assertions and cdk-nag), `conformance` (the local emulators against moto),
 * `e2e` (the local runtime over HTTP).
 */
export default defineConfig({
  test: {
    // Quiet Powertools in every tier: no EMF lines or per-request logs in test output.
    env: {
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_TRACE_ENABLED: 'false',
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/support/dynamodb-global-setup.ts'],
          setupFiles: ['tests/support/dynamodb-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['tests/infra/**/*.test.ts'],
          // Files share one module graph, so the synthesized stack (tests/infra/helpers.ts) is
          // built once per worker rather than once per file.
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Our EventBridge, SQS and stream emulation against moto_server (skipped without moto).
          name: 'conformance',
          include: ['tests/conformance/**/*.test.ts'],
          globalSetup: ['tests/support/moto-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/support/runtime-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
