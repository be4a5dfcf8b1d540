/**
 * `npm run replay`: replays the bus archive's events of a time window to ONE consumer.
 *
 *   npm run replay -- --consumer <name> --from <ISO> --to <ISO>            the local runtime
 *   npm run replay -- --consumer <name> --from <ISO> --to <ISO> --stack <name> [--region r] [--no-wait]
 *                                                                          a deployed stack
 *
 * Locally: `POST /_local/replays` on the running `npm start` (`--url`, `STORELINE_URL`, or
 * `http://localhost:$PORT`). In AWS: EventBridge `StartReplay` from the bus's archive with
 * `Destination.FilterArns` = the consumer's rules, then `DescribeReplay` until it ends
 * (infra/ops/cli-aws.ts). `from` is inclusive, `to` exclusive, by event time.
 *
 * Consumers are idempotent per event id (a marker per consumer and event): events the consumer
 * already applied change nothing. Replay is for a consumer that skipped events or was added or
 * fixed after they happened; to make it re-apply events it had applied wrongly, delete its
 * markers for them first (docs/operations.md, "Dead letters and replays").
 */
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { replayAws } from '../ops/cli-aws.ts';

const { values } = parseArgs({
  options: {
    consumer: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    url: { type: 'string' },
    stack: { type: 'string' },
    region: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const baseUrl = values.url ?? process.env.STORELINE_URL ?? `http://localhost:${process.env.PORT ?? '3000'}`;
// An explicit --stack wins; an explicit --url means the local runtime even if STORELINE_STACK is set.
const stack = values.stack ?? (values.url === undefined ? process.env.STORELINE_STACK : undefined);

const LocalReplay = z.object({
  name: z.string(),
  consumer: z.string(),
  from: z.string(),
  to: z.string(),
  events: z.array(
    z.object({
      id: z.string(),
      detailType: z.string(),
      time: z.string(),
      envelopeId: z.string().optional(),
      messageId: z.string(),
    }),
  ),
});

function usage(message?: string): never {
  if (message) console.error(`replay: ${message}`);
  console.error(
    'usage: npm run replay -- --consumer <name> --from <ISO 8601> --to <ISO 8601>\n' +
      '         [--url http://localhost:3000]   locally (npm start)\n' +
      '         [--stack <name> --region <region> --no-wait]   a deployed stack (or STORELINE_STACK)',
  );
  process.exit(2);
}

const instant = (text: string | undefined, option: string): Date => {
  if (!text) usage(`--${option} is required`);
  const date = new Date(text);
  if (!z.iso.datetime({ offset: true }).safeParse(text).success || Number.isNaN(date.getTime())) {
    usage(`--${option} must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T09:00:00Z`);
  }
  return date;
};

async function main(): Promise<void> {
  const consumer = values.consumer;
  if (!consumer) usage('--consumer is required');
  const from = instant(values.from, 'from');
  const to = instant(values.to, 'to');
  if (from.getTime() >= to.getTime()) usage('--from must be before --to');
  if (stack) {
    await replayAws(
      { consumer, from, to, wait: !values['no-wait'] },
      { stack, region: values.region, json: values.json },
    );
    return;
  }
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/_local/replays`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consumer, from: from.toISOString(), to: to.toISOString() }),
    });
  } catch {
    throw new Error(
      `cannot reach the local runtime at ${baseUrl}: is \`npm start\` running? (--url to point elsewhere)`,
    );
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /_local/replays → ${response.status}: ${text}`);
  const replay = LocalReplay.parse(JSON.parse(text));
  if (values.json) return console.log(JSON.stringify(replay, null, 2));
  console.log(
    `replay ${replay.name}: ${replay.events.length} archived event(s) ${replay.from} … ${replay.to} → ${replay.consumer}`,
  );
  for (const e of replay.events) console.log(`  ${e.time} ${e.detailType} ${e.envelopeId ?? e.id}`);
  console.log(
    'events the consumer had already applied change nothing (markers); watch it with npm run dlq -- list',
  );
}

main().catch((error: unknown) => {
  console.error(`replay: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
