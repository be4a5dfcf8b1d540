/**
 * Cold start: a fresh Node process imports a function's production bundle and completes a first
 * invocation with a realistic event; the figure is the child's `performance.now()` at the end
 * (time since the process started, Node's own boot included). Divided by the same for a
 * hello-world bundle measured in the same run.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { FunctionSpec } from '#infra/topology/types.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { outboxItem } from '#shared/outbox.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

/** Query strings for routes whose first invocation needs them to do real work. */
const SAMPLE_QUERY: Record<string, Record<string, string>> = {
  'GET /reports/sales': { from: '2026-03-01', to: '2026-03-07' },
};

let coldSeq = 0;

/** A catalogue sample, pointed at an order that exists so consumers do real work, not retries. */
function sample(type: string, orderId: string | undefined): EventEnvelope {
  const text = readFileSync(join(ROOT, 'events', 'samples', `${type}.v1.json`), 'utf8');
  const envelope = JSON.parse(text) as EventEnvelope & { data: Record<string, unknown> };
  return orderId && 'orderId' in envelope.data
    ? { ...envelope, data: { ...envelope.data, orderId } }
    : envelope;
}

/** The first event a function of this kind would receive in AWS. */
export function firstEvent(
  name: string,
  fn: FunctionSpec | undefined,
  orderId?: string,
  orderSku?: string,
): unknown {
  if (!fn) return { version: '2.0', routeKey: 'GET /', rawPath: '/', requestContext: { requestId: 'cold' } };
  // Orders: a real POST /orders, the invocation that matters (a new idempotency key each time).
  if (name === 'orders' && orderSku) {
    return {
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'idempotency-key': `cold-${process.pid}-${coldSeq++}` },
      body: JSON.stringify({
        lines: [{ sku: orderSku, quantity: 1 }],
        shippingAddress: {
          name: 'Cold Start',
          line1: '1 Loop Road',
          city: 'Localhost',
          postalCode: '12345',
          country: 'DE',
        },
        channel: 'web',
      }),
      isBase64Encoded: false,
      requestContext: {
        requestId: 'cold-start',
        routeKey: 'POST /orders',
        http: { method: 'POST', path: '/orders' },
        authorizer: { jwt: { claims: { sub: 'bench-cold-customer' } } },
      },
    };
  }
  const routes = Object.values(fn.routes ?? {});
  const route = routes.find((r) => r.method === 'GET') ?? routes[0];
  if (route) {
    const key = `${route.method} ${route.path}`;
    const params = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], 'BENCH-1']));
    const query = SAMPLE_QUERY[key];
    return {
      version: '2.0',
      routeKey: key,
      rawPath: route.path.replace(/\{\w+\}/g, 'BENCH-1'),
      rawQueryString: new URLSearchParams(query).toString(),
      headers: {},
      ...(query ? { queryStringParameters: query } : {}),
      ...(Object.keys(params).length ? { pathParameters: params } : {}),
      isBase64Encoded: false,
      requestContext: {
        requestId: 'cold-start',
        routeKey: key,
        http: { method: route.method, path: route.path },
        authorizer: { jwt: { claims: { sub: 'bench-staff', 'cognito:groups': '[staff]' } } },
      },
    };
  }
  if (fn.consumer) {
    const type = fn.consumer.events[0]?.detailTypes[0] ?? 'OrderPlaced';
    const envelope = sample(type, orderId);
    const detail = { ...envelope, id: '01JQ8Z4R7D3K5M7P9Q1S3T5V7Z' };
    return {
      Records: [
        {
          messageId: 'cold-start-1',
          receiptHandle: 'cold-start',
          body: JSON.stringify({
            version: '0',
            id: 'cold-start',
            'detail-type': type,
            source: envelope.source,
            account: '000000000000',
            time: envelope.occurredAt,
            region: 'us-east-1',
            resources: [],
            detail,
          }),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'bench',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${name}`,
          awsRegion: 'us-east-1',
        },
      ],
    };
  }
  if (fn.stream) {
    const item = outboxItem({ ...sample('OrderPlaced', orderId), id: '01JQ8Z4R7D3K5M7P9Q1S3T5V7Y' });
    return {
      Records: [
        {
          eventID: 'cold-start',
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: 'us-east-1',
          dynamodb: {
            Keys: marshall({ pk: item.pk, sk: item.sk }),
            NewImage: marshall(item, { removeUndefinedValues: true }),
            SequenceNumber: '100000000000000000001',
            SizeBytes: 512,
            StreamViewType: 'NEW_IMAGE',
          },
          eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/storeline/stream/cold-start',
        },
      ],
    };
  }
  return {};
}

const HARNESS = `
const boot = performance.now();
const [file, eventJson] = process.argv.slice(-2);
const { handler } = await import(file);
const loaded = performance.now();
let failed = false;
try {
  const result = await handler(JSON.parse(eventJson), {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench', functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench', memoryLimitInMB: '1024',
    awsRequestId: 'cold-start', logGroupName: 'bench', logStreamName: 'bench',
    getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false,
  });
  // A 5xx answer or a batch with failures is a failed first invocation, like a throw.
  failed = (result?.statusCode ?? 0) >= 500 || (result?.batchItemFailures?.length ?? 0) > 0;
} catch {
  failed = true;
}
process.stdout.write(JSON.stringify({ bootMs: boot, loadedMs: loaded, totalMs: performance.now(), failed }));
`;

export interface ColdStartSample {
  /** Node's own boot: process start to the harness's first line. */
  readonly bootMs: number;
  readonly loadedMs: number;
  readonly totalMs: number;
  readonly failed: boolean;
}

/** One fresh process: import the bundle, invoke once, report times since process start. */
export async function coldStart(
  bundleFile: string,
  event: unknown,
  env: Record<string, string>,
): Promise<ColdStartSample> {
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', HARNESS, pathToFileURL(bundleFile).href, JSON.stringify(event)],
    {
      env: { PATH: process.env.PATH ?? '', ...env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      cwd: ROOT,
      maxBuffer: 4 * 1024 * 1024,
    },
  );
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as ColdStartSample;
}
