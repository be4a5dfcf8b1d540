/**
 * `npm start`: the local runtime in the foreground. Ctrl-C stops everything, Java included, and
 * so does SIGTERM or SIGHUP to this process or to the npm above it (docs/local-runtime.md).
 *
 *   npm start                      data on disk in .data/dynamodb
 *   npm start -- --in-memory       nothing kept
 *   npm start -- --reset           wipe the on-disk data first
 *   PORT=4000 npm start            another HTTP port (DYNAMODB_PORT for DynamoDB Local)
 *   LOCAL_VISIBILITY_TIMEOUT_SECONDS=5 npm start
 *                                  consumer retries after 5 s instead of the topology's timeout
 *   LOCAL_FUNCTION_ENV='{"NAME":"value"}' npm start
 *                                  extra environment for every function (RuntimeOptions.environment)
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allRoutes } from '../topology.ts';
import { LocalRuntimeError } from './errors.ts';
import { DEFAULT_JWT_SECRET, ROOT_DIR, type Runtime, startRuntime } from './runtime.ts';

const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    reset: { type: 'boolean', default: false },
    port: { type: 'string' },
    'dynamodb-port': { type: 'string' },
    'data-dir': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

function portFrom(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LocalRuntimeError(`${what} must be a port number, got "${value}"`);
  return port;
}

function optionalSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new LocalRuntimeError(`LOCAL_VISIBILITY_TIMEOUT_SECONDS must be whole seconds, got "${value}"`);
  return seconds;
}

/** `LOCAL_FUNCTION_ENV`: a JSON object of string values, or nothing. */
function functionEnv(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === 'string')
  )
    throw new LocalRuntimeError('LOCAL_FUNCTION_ENV must be a JSON object of string values');
  return parsed as Record<string, string>;
}

const started = Date.now();
let runtime: Runtime | undefined;
let stopping = false;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (runtime) {
    console.log('storeline: stopping…');
    await runtime.stop();
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));

// A stop aimed at whatever started us must stop us too. `npm start` puts npm above this process
// (and a shell, were it not for the `exec` in the start script); a supervisor or an IDE signals
// the top one, and not everyone passes a signal down (nobody can after a SIGKILL). When our parent
// goes we are re-parented: that is the cue to stop, Java included. Unref'd: it never keeps us alive.
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart) {
    console.log(`storeline: the process that started it (pid ${parentAtStart}) is gone`);
    void shutdown(0);
  }
}, 500).unref();

try {
  const port = portFrom(values.port ?? process.env.PORT, 3000, 'PORT');
  const dynamoDbPort = portFrom(values['dynamodb-port'] ?? process.env.DYNAMODB_PORT, 8000, 'DYNAMODB_PORT');
  const dataDir = values['in-memory'] ? undefined : resolve(ROOT_DIR, values['data-dir'] ?? '.data/dynamodb');
  if (values.reset && dataDir) rmSync(dataDir, { recursive: true, force: true });
  const quiet = values.quiet;
  const environment = functionEnv(process.env.LOCAL_FUNCTION_ENV);
  runtime = await startRuntime({
    port,
    dynamoDbPort,
    dataDir,
    jwtSecret: process.env.LOCAL_JWT_SECRET ?? DEFAULT_JWT_SECRET,
    logLevel: process.env.LOG_LEVEL ?? (quiet ? 'WARN' : 'INFO'),
    emitMetrics: process.env.EMIT_METRICS === 'true',
    ...(process.env.CAPTURE_LOG_LEVEL ? { captureLogLevel: process.env.CAPTURE_LOG_LEVEL } : {}),
    visibilityTimeoutSeconds: optionalSeconds(process.env.LOCAL_VISIBILITY_TIMEOUT_SECONDS),
    ...(environment ? { environment } : {}),
    log: quiet ? () => undefined : (line) => console.log(`  ${line}`),
  });
  const routes = allRoutes(runtime.topology);
  const functions = Object.keys(runtime.topology.functions);
  console.log(
    [
      `Storeline local runtime ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  API        ${runtime.url}   (${routes.length} routes; reference at ${runtime.url}/docs, document at /openapi.json)`,
      `  Health     ${runtime.url}/health`,
      `  Token      curl -s -X POST ${runtime.url}/_local/token -d '{"sub":"alice","groups":["staff"]}'`,
      `  DynamoDB   ${runtime.dynamoDbEndpoint}   table "${runtime.tableName}", ${dataDir ? `data in ${dataDir} (npm start -- --reset wipes it)` : 'in memory'}`,
      ...(runtime.dynamoDbLoopbackOnly
        ? []
        : ['  WARNING    DynamoDB Local is reachable from other machines: see docs/security.md']),
      `  Functions  ${functions.join(', ')}`,
      `  Events     bus "${runtime.topology.bus.name}" at ${runtime.eventBridgeEndpoint}; queues ${[...runtime.backbone.queues.keys()].join(', ')}`,
      `             SQS endpoint ${runtime.sqsEndpoint}; npm run dlq -- list   (or ${runtime.url}/_local/queues, /_local/events, /_local/streams)`,
      `  Messages   SES v2 and SNS at ${runtime.messagingEndpoint}: what would have been sent at ${runtime.url}/_local/messages`,
      `  Scheduler  ${runtime.schedulerEndpoint}   schedules at ${runtime.url}/_local/schedules`,
      `  Ops        ${runtime.url}/_local/ops   (the dashboard, live); logs at ${runtime.url}/_local/logs?correlationId=`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
} catch (error) {
  const message =
    error instanceof LocalRuntimeError ? error.message : `failed to start: ${(error as Error).message}`;
  console.error(`storeline: ${message}`);
  await runtime?.stop();
  process.exit(1);
}
