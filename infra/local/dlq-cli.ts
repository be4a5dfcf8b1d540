/**
 * `npm run dlq`: what is in the dead-letter queues, and redriving them — locally or in AWS.
 *
 *   npm run dlq -- list                    every consumer queue with its DLQ's depth, and stream failures
 *   npm run dlq -- show <consumer>         the messages in the consumer's DLQ (event type, id, error count)
 *   npm run dlq -- redrive <consumer>      moves them back to the consumer's queue
 *   npm run dlq -- redrive-status <consumer>
 *                                          the DLQ's recent redrives (AWS; locally a redrive is immediate)
 *
 * Locally it talks to the running `npm start` over its `/_local/*` endpoints: `--url`, or
 * `STORELINE_URL`, or `http://localhost:$PORT` (3000 by default). With `--stack <name>` (or
 * `STORELINE_STACK`) it works on that deployed stack instead (infra/ops/cli-aws.ts): `--region`,
 * `--rate <messages/s>` for redrive, `--max <n>` messages for show; `show` peeks without consuming.
 */
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { dlqAws } from '../ops/cli-aws.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    json: { type: 'boolean', default: false },
    stack: { type: 'string' },
    region: { type: 'string' },
    rate: { type: 'string' },
    max: { type: 'string' },
  },
});
// An explicit --stack wins; an explicit --url means the local runtime even if STORELINE_STACK is set.
const stack = values.stack ?? (values.url === undefined ? process.env.STORELINE_STACK : undefined);
const baseUrl = values.url ?? process.env.STORELINE_URL ?? `http://localhost:${process.env.PORT ?? '3000'}`;

const QueueView = z.object({
  name: z.string(),
  messages: z.int(),
  visible: z.int(),
  inFlight: z.int(),
  maxReceiveCount: z.int().optional(),
});
const QueuesResponse = z.object({
  queues: z.array(QueueView.extend({ consumer: z.string(), dlq: QueueView })),
});
const StreamsResponse = z.object({
  failures: z.array(
    z.object({
      functionName: z.string(),
      firstSequenceNumber: z.string(),
      lastSequenceNumber: z.string(),
      reason: z.string(),
      at: z.string(),
    }),
  ),
});
const DlqResponse = z.object({
  name: z.string(),
  items: z.array(
    z.object({
      messageId: z.string(),
      receiveCount: z.int(),
      sentAt: z.string(),
      body: z.unknown(),
    }),
  ),
});
const RedriveResponse = z.object({ queue: z.string(), moved: z.int() });
const Detail = z.object({
  'detail-type': z.string().optional(),
  detail: z.object({ id: z.string().optional(), correlationId: z.string().optional() }).optional(),
});

async function call<S extends z.ZodType>(method: string, path: string, schema: S): Promise<z.infer<S>> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, { method });
  } catch {
    throw new Error(
      `cannot reach the local runtime at ${baseUrl}: is \`npm start\` running? (--url to point elsewhere)`,
    );
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  const json: unknown = JSON.parse(text);
  if (values.json) console.log(JSON.stringify(json, null, 2));
  return schema.parse(json);
}

function usage(): never {
  console.error(
    'usage: npm run dlq -- list | show <consumer> | redrive <consumer> | redrive-status <consumer>\n' +
      '         [--url http://localhost:3000]   locally (npm start)\n' +
      '         [--stack <name> --region <region> --rate <n/s> --max <n>]   a deployed stack (or STORELINE_STACK)',
  );
  process.exit(2);
}

const positiveInt = (text: string | undefined, option: string): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${option} must be a positive whole number`);
  return n;
};

/** SQS takes 1 to 500 messages per second for a move task. */
const rateOf = (text: string | undefined): number | undefined => {
  const rate = positiveInt(text, 'rate');
  if (rate !== undefined && rate > 500) throw new Error('--rate is at most 500 messages per second (SQS)');
  return rate;
};

async function main(): Promise<void> {
  const [command, name] = positionals;
  if (!command || !['list', 'show', 'redrive', 'redrive-status'].includes(command)) usage();
  if (stack) {
    return dlqAws(command, name, {
      stack,
      region: values.region,
      json: values.json,
      rate: rateOf(values.rate),
      max: positiveInt(values.max, 'max'),
    });
  }
  if (command === 'list') {
    const { queues } = await call('GET', '/_local/queues', QueuesResponse);
    const { failures } = await call('GET', '/_local/streams', StreamsResponse);
    if (values.json) return;
    const rows = queues.map((q) => [
      q.consumer,
      String(q.messages),
      String(q.inFlight),
      String(q.dlq.messages),
    ]);
    const header = ['consumer', 'queued', 'in flight', 'in DLQ'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
    for (const row of [header, ...rows]) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
    console.log(`stream records given up on: ${failures.length}`);
    for (const f of failures) {
      console.log(
        `  ${f.at} ${f.functionName} ${f.firstSequenceNumber}…${f.lastSequenceNumber}: ${f.reason}`,
      );
    }
    return;
  }
  if (!name) usage();
  if (command === 'show') {
    const dlq = await call('GET', `/_local/queues/${encodeURIComponent(name)}/dlq`, DlqResponse);
    if (values.json) return;
    console.log(`${dlq.name}: ${dlq.items.length} message(s)`);
    for (const item of dlq.items) {
      const parsed = Detail.safeParse(item.body);
      const what = parsed.success
        ? `${parsed.data['detail-type'] ?? '?'} ${parsed.data.detail?.id ?? '?'} correlation ${parsed.data.detail?.correlationId ?? '?'}`
        : 'unparseable body';
      console.log(`  ${item.messageId}  received ${item.receiveCount}×  sent ${item.sentAt}  ${what}`);
    }
    console.log(`redrive with: npm run dlq -- redrive ${name}   (--json shows the bodies)`);
    return;
  }
  if (command === 'redrive') {
    const result = await call('POST', `/_local/queues/${encodeURIComponent(name)}/redrive`, RedriveResponse);
    if (!values.json) console.log(`moved ${result.moved} message(s) back to ${result.queue}`);
    return;
  }
  if (command === 'redrive-status') {
    console.log(
      'a local redrive moves every message at once: nothing to follow (redrive-status is for --stack)',
    );
    return;
  }
  usage();
}

main().catch((error: unknown) => {
  console.error(`dlq: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
