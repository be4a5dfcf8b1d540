import { defineConfig } from 'vitest/config';

/**
 * Test tiers as vitest projects: `unit` (no I/O), `integration` (DynamoDB Local, started once per run),
 * `infra` (CDK template assertions and cdk-nag), `conformance` (the local emulators against moto),
 * `e2e` (the local runtime over HTTP) and `e2e-isolated` (files that start runtimes of their own).
 *
 * Three groups, one after the other (`sequence.groupOrder`), so the suite keeps near its 8-minute budget
 * on a 2-core machine without load-sensitive files sharing it:
 * 1. unit, infra, conformance and integration, two files at a time: they wait on DynamoDB Local, moto or
 *    esbuild more than they compute, and each integration file has a table of its own;
 * 2. e2e, two files at a time: the files on the one shared runtime, and the runtime lifecycle file, whose
 *    runtimes of its own mostly wait (starts, restarts, a crash mid-burst) and whose assertions follow
 *    its own processes by pid, so a neighbour neither slows it past its bounds nor confuses it;
 * 3. e2e-isolated, one file at a time: the files whose timers and dead-letter paths run on their own
 *    runtime with short timeouts and must not compete for the CPU with a neighbour (with two files at a
 *    time, a fresh-clone run once missed the SLA e2e's breach deadline).
 */
const ISOLATED_E2E = ['tests/e2e/ticket-sla.test.ts', 'tests/e2e/dead-letters.test.ts'];
const PARALLEL = { maxWorkers: 2, sequence: { groupOrder: 0 } };
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
          ...PARALLEL,
          // A few unit files are CPU-heavy (the OpenAPI linters, property tests): beside an
          // integration file on a 2-core machine they need more than the default 5 s.
          testTimeout: 30_000,
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          ...PARALLEL,
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
          ...PARALLEL,
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
          ...PARALLEL,
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
          exclude: ISOLATED_E2E,
          globalSetup: ['tests/support/runtime-global-setup.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e-isolated',
          include: ISOLATED_E2E,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
