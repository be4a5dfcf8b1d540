/**
 * The AWS side of `npm run dlq` and `npm run replay`: the commands as they print, on top of
 * aws.ts. Clients use the default credential chain and region (`--region` overrides), and the
 * SDK's usual endpoint settings (`AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_EVENTBRIDGE`).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  consumerIn,
  describeEventMessage,
  describeStreamFailure,
  findReplayTarget,
  findStackQueues,
  peekMessages,
  queueDepth,
  type ReplayState,
  type ReplayTarget,
  redriveStatus,
  replayName,
  type StackQueues,
  startRedrive,
  startReplay,
  waitForReplay,
} from './aws.ts';

export interface AwsOptions {
  readonly stack: string;
  readonly region?: string | undefined;
  readonly json: boolean;
  readonly print?: (line: string) => void;
  /** Clients to use instead of new ones (tests point them at moto); left open. */
  readonly clients?: { readonly sqs: SQSClient; readonly eventBridge: EventBridgeClient };
}

const clientConfig = (o: AwsOptions) => (o.region ? { region: o.region } : {});

/** A table, columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

const age = (iso: string, now: number): string => {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
};

/** The oldest of some peeked messages, as an age; `-` when there are none. */
async function oldestAge(sqs: SQSClient, url: string, depth: number): Promise<string> {
  if (depth === 0) return '-';
  const peeked = await peekMessages(sqs, url, 50);
  const oldest = peeked.map((m) => m.sentAt).sort()[0];
  return oldest ? `${age(oldest, Date.now())}${depth > peeked.length ? '+' : ''}` : '?';
}

/** `npm run dlq -- <command> [name] --stack <stack>`. */
export async function dlqAws(
  command: string,
  name: string | undefined,
  options: AwsOptions & { rate?: number | undefined; max?: number | undefined },
): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const sqs = options.clients?.sqs ?? new SQSClient(clientConfig(options));
  try {
    const queues = await findStackQueues(sqs, options.stack);
    if (command === 'list') return await listAws(sqs, queues, options, print);
    if (!name) throw new Error(`${command} needs a consumer name`);
    const failureQueue =
      queues.streamFailures.get(name) ?? queues.streamFailures.get(name.replace(/-stream-failures$/, ''));
    if (command === 'show') {
      if (failureQueue && !queues.consumers.has(name)) {
        const peeked = await peekMessages(sqs, failureQueue.url, options.max ?? 50);
        if (options.json) return print(JSON.stringify(peeked, null, 2));
        print(`${name} stream failures: ${peeked.length} record(s) (peeked, not consumed)`);
        for (const m of peeked) print(`  ${m.messageId}  sent ${m.sentAt}  ${describeStreamFailure(m.body)}`);
        print(
          'These are Lambda on-failure records describing stream batches given up on, not the events. ' +
            'The outbox items behind them stay in the table for 7 days (pk = OUTBOX#<event id>); the ' +
            'events never reached the bus, so neither redrive nor replay brings them back: see ' +
            'docs/operations.md, "Dead letters and replays".',
        );
        return;
      }
      const consumer = consumerIn(queues, name);
      const peeked = await peekMessages(sqs, consumer.dlq.url, options.max ?? 50);
      if (options.json) return print(JSON.stringify(peeked, null, 2));
      print(`${name} DLQ: ${peeked.length} message(s) shown (peeked, not consumed)`);
      for (const m of peeked) {
        print(
          `  ${m.messageId}  received ${m.receiveCount}×  sent ${m.sentAt}  ${describeEventMessage(m.body)}`,
        );
      }
      print(
        `redrive with: npm run dlq -- redrive ${name} --stack ${options.stack}   (--json shows the bodies)`,
      );
      return;
    }
    if (command === 'redrive') {
      if (failureQueue && !queues.consumers.has(name)) {
        throw new Error(
          `${name}: a stream-failure queue has no source queue to redrive to (its records describe batches, not events)`,
        );
      }
      const consumer = consumerIn(queues, name);
      const handle = await startRedrive(sqs, consumer, options.rate);
      if (options.json) return print(JSON.stringify({ taskHandle: handle }, null, 2));
      print(`started moving ${name}'s DLQ back to its queue${options.rate ? ` at ${options.rate}/s` : ''}`);
      print(`follow with: npm run dlq -- redrive-status ${name} --stack ${options.stack}`);
      return;
    }
    if (command === 'redrive-status') {
      const tasks = await redriveStatus(sqs, consumerIn(queues, name));
      if (options.json) return print(JSON.stringify(tasks, null, 2));
      if (tasks.length === 0) return print(`no redrive of ${name}'s DLQ in the last 14 days`);
      for (const line of table(
        ['started', 'status', 'moved', 'to move', 'rate', 'failure'],
        tasks.map((t) => [
          t.startedAt ?? '?',
          t.status,
          String(t.moved),
          t.toMove === undefined ? '?' : String(t.toMove),
          t.ratePerSecond === undefined ? 'max' : `${t.ratePerSecond}/s`,
          t.failureReason ?? '',
        ]),
      )) {
        print(line);
      }
      return;
    }
    throw new Error(`unknown command ${command}`);
  } finally {
    if (!options.clients) sqs.destroy();
  }
}

async function listAws(
  sqs: SQSClient,
  queues: StackQueues,
  options: AwsOptions,
  print: (line: string) => void,
): Promise<void> {
  const rows = await Promise.all(
    [...queues.consumers].map(async ([name, c]) => {
      const [queue, dlq] = await Promise.all([queueDepth(sqs, c.queue.url), queueDepth(sqs, c.dlq.url)]);
      return { name, queue, dlq, dlqOldest: await oldestAge(sqs, c.dlq.url, dlq.visible + dlq.inFlight) };
    }),
  );
  const failures = await Promise.all(
    [...queues.streamFailures].map(async ([name, q]) => {
      const depth = await queueDepth(sqs, q.url);
      return { name, depth, oldest: await oldestAge(sqs, q.url, depth.visible + depth.inFlight) };
    }),
  );
  if (options.json) return print(JSON.stringify({ consumers: rows, streamFailures: failures }, null, 2));
  if (rows.length === 0 && failures.length === 0) {
    throw new Error(`no tagged queues with the name prefix ${options.stack}: wrong --stack or --region?`);
  }
  for (const line of table(
    ['consumer', 'queued', 'in flight', 'in DLQ', 'oldest in DLQ'],
    rows.map((r) => [
      r.name,
      String(r.queue.visible + r.queue.delayed),
      String(r.queue.inFlight),
      String(r.dlq.visible + r.dlq.inFlight),
      r.dlqOldest,
    ]),
  )) {
    print(line);
  }
  for (const f of failures) {
    print(
      `stream failures of ${f.name}: ${f.depth.visible + f.depth.inFlight} record(s)${f.oldest === '-' ? '' : `, oldest ${f.oldest}`}`,
    );
  }
  print(
    "(queued/in flight are SQS's approximate counts; the age of a consumer queue's oldest message is " +
      'the ApproximateAgeOfOldestMessage metric on the dashboard)',
  );
}

/** `npm run replay -- --consumer <name> --from <ISO> --to <ISO> --stack <stack>`. */
export async function replayAws(
  request: { consumer: string; from: Date; to: Date; wait: boolean; pollIntervalMs?: number },
  options: AwsOptions,
): Promise<{ name: string; target: ReplayTarget; final: ReplayState | undefined }> {
  const print = options.print ?? ((line: string) => console.log(line));
  const sqs = options.clients?.sqs ?? new SQSClient(clientConfig(options));
  const eventBridge = options.clients?.eventBridge ?? new EventBridgeClient(clientConfig(options));
  try {
    const consumer = consumerIn(await findStackQueues(sqs, options.stack), request.consumer);
    const target = await findReplayTarget(eventBridge, request.consumer, consumer);
    const name = replayName(request.consumer, new Date());
    await startReplay(eventBridge, target, { name, from: request.from, to: request.to });
    print(
      `replay ${name}: ${target.archiveName} events ${request.from.toISOString()} … ${request.to.toISOString()} → ` +
        `${request.consumer} (${target.ruleArns.length} rule(s))`,
    );
    if (!request.wait) {
      print(`follow with: aws events describe-replay --replay-name ${name}`);
      return { name, target, final: undefined };
    }
    const final = await waitForReplay(eventBridge, name, {
      ...(request.pollIntervalMs === undefined ? {} : { intervalMs: request.pollIntervalMs }),
      onState: (s) =>
        print(
          `  ${s.state}${s.lastReplayed ? ` (replayed up to ${s.lastReplayed})` : ''}${s.reason ? `: ${s.reason}` : ''}`,
        ),
    });
    if (options.json) print(JSON.stringify({ name, ...target, ...final }, null, 2));
    if (final.state !== 'COMPLETED')
      throw new Error(`replay ${name} ended ${final.state}: ${final.reason ?? ''}`);
    return { name, target, final };
  } finally {
    if (!options.clients) {
      sqs.destroy();
      eventBridge.destroy();
    }
  }
}
