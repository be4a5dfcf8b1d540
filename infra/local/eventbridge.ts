/**
 * A local EventBridge bus for the local runtime: an HTTP endpoint speaking PutEvents' JSON 1.1
 * protocol (`X-Amz-Target: AWSEvents.PutEvents`), which functions reach through
 * `AWS_ENDPOINT_URL_EVENTBRIDGE` with the unchanged SDK client. It checks entries the way
 * EventBridge does (at most 10, 256 KB per request, source, detail-type and a JSON-object detail),
 * matches the rules derived from the topology (one per consumer subscription: source and
 * detail-types) and sends each matching event to its consumer's local queue, as the SQS target
 * does. Events are kept in an archive (archive.ts) for inspection and for replaying a time window
 * to one consumer (`replay`, `POST /_local/replays`); tests can make entries fail.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as z from 'zod';
import type { Topology } from '../topology/types.ts';
import { LocalArchive } from './archive.ts';
import { LOCAL_ACCOUNT, type LocalQueue } from './sqs.ts';

export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

/**
 * An event pattern of the kind the topology generates: each field lists the values it accepts
 * (exact, case-sensitive matches; any one of them).
 */
export type EventPattern = Readonly<Record<'source' | 'detail-type', readonly string[]>>;

export interface LocalRule {
  /** The consumer function the rule feeds. */
  readonly consumer: string;
  readonly source: string;
  readonly detailTypes: ReadonlySet<string>;
  /** The rule's pattern, as the CDK stack declares it (the conformance tier puts it on moto). */
  readonly pattern: EventPattern;
  readonly target: LocalQueue;
}

/** The pattern of one consumer subscription: its source and detail-types. */
export function eventPattern(subscription: {
  readonly source: string;
  readonly detailTypes: readonly string[];
}): EventPattern {
  return { source: [subscription.source], 'detail-type': [...subscription.detailTypes] };
}

/** Whether an event matches a pattern: every field of the pattern lists the event's value. */
export function matchesPattern(pattern: EventPattern, event: BusEvent): boolean {
  return (Object.keys(pattern) as (keyof EventPattern)[]).every((field) =>
    pattern[field].includes(event[field]),
  );
}

/** One rule per consumer subscription in the topology, targeting that consumer's queue. */
export function rulesFromTopology(t: Topology, queueOf: (functionName: string) => LocalQueue): LocalRule[] {
  return Object.entries(t.functions).flatMap(([name, fn]) =>
    (fn.consumer?.events ?? []).map((subscription) => ({
      consumer: name,
      source: subscription.source,
      detailTypes: new Set(subscription.detailTypes),
      pattern: eventPattern(subscription),
      target: queueOf(name),
    })),
  );
}

const Entry = z.object({
  Source: z.string().optional(),
  DetailType: z.string().optional(),
  Detail: z.string().optional(),
  EventBusName: z.string().optional(),
  Resources: z.array(z.string()).optional(),
  /** The JSON protocol sends timestamps as epoch seconds. */
  Time: z.union([z.number(), z.string()]).optional(),
  TraceHeader: z.string().optional(),
});
type Entry = z.infer<typeof Entry>;
const PutEventsRequest = z.object({ Entries: z.array(Entry), EndpointId: z.string().optional() });

export type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResponse {
  FailedEntryCount: number;
  Entries: EntryResult[];
}

/** A request-level error, answered as `{ __type, message }` with status 400. */
export class EventBridgeError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.name = 'EventBridgeError';
    this.type = type;
  }
}

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** How PutEvents counts an entry against the 256 KB limit. */
export function entrySize(entry: Entry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  let size = entry.Time !== undefined ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  for (const r of entry.Resources ?? []) size += bytes(r);
  return size;
}

/** EventBridge's `time`: ISO 8601 to the second. */
function eventTime(time: Entry['Time']): string {
  const date =
    time === undefined ? new Date() : typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return `${(Number.isNaN(date.getTime()) ? new Date() : date).toISOString().slice(0, 19)}Z`;
}

export interface LocalEventBusOptions {
  readonly name: string;
  readonly region: string;
  readonly rules: readonly LocalRule[];
  /** Events kept for inspection and replay (newest last); 10,000 by default. */
  readonly archiveSize?: number;
  /** A JSON-lines file the archive is kept in (data on disk); undefined keeps it in memory. */
  readonly archiveFile?: string | undefined;
  readonly log?: (line: string) => void;
}

export interface Delivery {
  readonly event: BusEvent;
  readonly consumers: readonly string[];
}

/** A replay of archived events to one consumer (EventBridge's `StartReplay` with `FilterArns`). */
export interface LocalReplay {
  readonly name: string;
  readonly consumer: string;
  /** The window, by event time: `from` inclusive, `to` exclusive. */
  readonly from: string;
  readonly to: string;
  readonly startedAt: string;
  /** The archived events sent again, each with the message it became on the consumer's queue. */
  readonly events: readonly {
    readonly id: string;
    readonly detailType: string;
    readonly time: string;
    readonly envelopeId: string | undefined;
    readonly messageId: string;
  }[];
}

export class LocalEventBus {
  readonly name: string;
  readonly arn: string;
  private readonly options: LocalEventBusOptions;
  private readonly archive: LocalArchive;
  private readonly replays: LocalReplay[] = [];
  private failures: { remaining: number; errorCode: string; match: (entry: Entry) => boolean }[] = [];

  constructor(options: LocalEventBusOptions) {
    this.options = options;
    this.name = options.name;
    this.arn = `arn:aws:events:${options.region}:${LOCAL_ACCOUNT}:event-bus/${options.name}`;
    this.archive = new LocalArchive({
      ...(options.archiveSize === undefined ? {} : { limit: options.archiveSize }),
      file: options.archiveFile,
    });
  }

  /**
   * Makes the next `count` entries (matching `match`, if given) fail with `errorCode`, as
   * EventBridge does under throttling or internal errors: the request succeeds, those entries not.
   */
  failNextEntries(
    count: number,
    errorCode = 'InternalFailure',
    match: (entry: Entry) => boolean = () => true,
  ) {
    this.failures.push({ remaining: count, errorCode, match });
  }

  /** Recent events, newest last. */
  recentEvents(): readonly Delivery[] {
    return this.archive.all();
  }

  /** The consumers with rules on this bus. */
  consumers(): string[] {
    return [...new Set(this.options.rules.map((r) => r.consumer))];
  }

  /**
   * Sends the archived events whose time is in [from, to) again, to `consumer`'s queue only, as
   * `StartReplay` with `Destination.FilterArns` = that consumer's rules does: each event goes
   * through the consumer's rules (so only what it subscribes to), marked with `replay-name`.
   * Consumers are idempotent per envelope id, so events they already applied change nothing.
   */
  replay(request: { name?: string; consumer: string; from: Date; to: Date }): LocalReplay {
    const rules = this.options.rules.filter((r) => r.consumer === request.consumer);
    if (rules.length === 0)
      throw new EventBridgeError('ResourceNotFoundException', `No rules for consumer ${request.consumer}`);
    if (!(request.from.getTime() < request.to.getTime())) {
      throw new EventBridgeError('ValidationException', 'EventStartTime must be before EventEndTime.');
    }
    const name = request.name ?? `${request.consumer}-${Date.now()}`;
    const events: LocalReplay['events'][number][] = [];
    for (const { event } of this.archive.between(request.from, request.to)) {
      const body = JSON.stringify({ ...event, 'replay-name': name });
      for (const rule of rules.filter((r) => matchesPattern(r.pattern, event))) {
        const message = rule.target.send(body);
        const detail = event.detail as { id?: unknown };
        events.push({
          id: event.id,
          detailType: event['detail-type'],
          time: event.time,
          envelopeId: typeof detail.id === 'string' ? detail.id : undefined,
          messageId: message.messageId,
        });
      }
    }
    const replay: LocalReplay = {
      name,
      consumer: request.consumer,
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      startedAt: new Date().toISOString(),
      events,
    };
    this.replays.push(replay);
    if (this.replays.length > 100) this.replays.shift();
    this.options.log?.(`bus: replay ${name}: ${events.length} event(s) → ${request.consumer}`);
    return replay;
  }

  /** Replays started since the runtime started, newest last. */
  replayHistory(): readonly LocalReplay[] {
    return this.replays;
  }

  putEvents(body: unknown): PutEventsResponse {
    const parsed = PutEventsRequest.safeParse(body);
    if (!parsed.success) throw new EventBridgeError('ValidationException', z.prettifyError(parsed.error));
    const entries = parsed.data.Entries;
    // EventBridge's wording (AWS lists the entries inside the brackets; moto and we do not).
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new EventBridgeError(
        'ValidationException',
        `1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`,
      );
    }
    const total = entries.reduce((n, e) => n + entrySize(e), 0);
    if (total > MAX_REQUEST_BYTES) {
      throw new EventBridgeError(
        'ValidationException',
        `Total size of the entries in the request is over the limit (${total} > ${MAX_REQUEST_BYTES} bytes).`,
      );
    }
    const results = entries.map((entry) => this.putEntry(entry));
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  }

  private injectedFailure(entry: Entry): string | undefined {
    const failure = this.failures.find((f) => f.remaining > 0 && f.match(entry));
    if (!failure) return undefined;
    failure.remaining -= 1;
    this.failures = this.failures.filter((f) => f.remaining > 0);
    return failure.errorCode;
  }

  private putEntry(entry: Entry): EntryResult {
    const busName = entry.EventBusName ?? 'default';
    if (busName !== this.name && busName !== this.arn) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
    }
    // The first missing field is reported, in EventBridge's words (checked against moto).
    const missing = (['Source', 'DetailType', 'Detail'] as const).find((k) => !entry[k]);
    if (missing) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.`,
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail ?? '');
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const injected = this.injectedFailure(entry);
    if (injected) return { ErrorCode: injected, ErrorMessage: 'Injected failure (local bus)' };

    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType ?? '',
      source: entry.Source ?? '',
      account: LOCAL_ACCOUNT,
      time: eventTime(entry.Time),
      region: this.options.region,
      resources: entry.Resources ?? [],
      detail,
    };
    const matched = this.options.rules.filter((rule) => matchesPattern(rule.pattern, event));
    const body = JSON.stringify(event);
    for (const rule of matched) rule.target.send(body);
    this.archive.add({ event, consumers: matched.map((r) => r.consumer) });
    this.options.log?.(
      `bus: ${event.source} ${event['detail-type']} → ${matched.map((r) => r.consumer).join(', ') || '(no rule)'}`,
    );
    return { EventId: event.id };
  }
}

const JSON_11 = 'application/x-amz-json-1.1';

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/** The bus's HTTP endpoint (PutEvents only). Signatures are not checked. */
export function createEventBridgeServer(bus: LocalEventBus): Server {
  return createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    void (async () => {
      if (req.method !== 'POST') return reply(res, 404, { __type: 'UnknownOperationException' });
      let body: unknown;
      try {
        body = await readJson(req);
      } catch {
        return reply(res, 400, { __type: 'SerializationException', message: 'Body is not JSON' });
      }
      if (target !== 'AWSEvents.PutEvents') {
        return reply(res, 400, {
          __type: 'UnknownOperationException',
          message: `The local bus implements PutEvents only, not ${String(target)}`,
        });
      }
      try {
        return reply(res, 200, bus.putEvents(body));
      } catch (error) {
        if (error instanceof EventBridgeError)
          return reply(res, 400, { __type: error.type, message: error.message });
        return reply(res, 500, { __type: 'InternalException', message: (error as Error).message });
      }
    })();
  });
}
