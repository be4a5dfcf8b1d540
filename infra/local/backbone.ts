/**
 * The local event backbone, generated from the topology as the CDK stack is: the bus (an
 * EventBridge endpoint with one rule per consumer subscription), each consumer's queue and DLQ,
 * the SQS event source invoking each consumer, and the stream event source invoking the
 * publisher (every function with a `stream` spec). State is kept in a file next to DynamoDB
 * Local's data when data is on disk (see state.ts).
 */
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Topology } from '../topology/types.ts';
import { LOCAL_CREDENTIALS } from './dynamodb.ts';
import { createEventBridgeServer, LocalEventBus, rulesFromTopology } from './eventbridge.ts';
import { listen } from './gateway.ts';
import { createSqsServer, LocalQueue, SqsEventSource } from './sqs.ts';
import { LocalStateFile, type StreamFailure } from './state.ts';
import { StreamEventSource } from './streams.ts';

export interface BackboneOptions {
  readonly topology: Topology;
  readonly region: string;
  /** State file; undefined keeps everything in memory. */
  readonly stateFile?: string | undefined;
  /** Port of the EventBridge endpoint; 0 picks a free one. */
  readonly eventBridgePort?: number;
  /** Port of the SQS endpoint; 0 picks a free one. */
  readonly sqsPort?: number;
  /** Replaces every queue's visibility timeout (seconds), e.g. to see retries sooner locally. */
  readonly visibilityTimeoutSeconds?: number | undefined;
  /** How often idle queues and the stream are looked at. */
  readonly pollIntervalMs?: number | undefined;
  /** First wait before a stream batch is retried. */
  readonly streamRetryDelayMs?: number | undefined;
  readonly log?: (line: string) => void;
  /**
   * The DLQ hook: called with a dead-letter queue's name as the topology's alarms know it (the
   * consumer's name, or `<function>-stream-failures`) when its first message arrives — the
   * local stand-in for its CloudWatch alarm going to ALARM (see infra/local/alarms.ts).
   */
  readonly onDeadLetters?: (queue: string) => void;
}

export interface ConsumerQueues {
  readonly queue: LocalQueue;
  readonly dlq: LocalQueue;
}

export interface StreamTarget {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
}

export class LocalBackbone {
  readonly bus: LocalEventBus;
  /** Consumer function name → its queue and DLQ. */
  readonly queues = new Map<string, ConsumerQueues>();
  readonly streamSources: StreamEventSource[] = [];
  readonly queueSources: SqsEventSource[] = [];
  /** Stream records given up on after their retries (the on-failure destination). */
  readonly streamFailures: StreamFailure[];
  private readonly options: BackboneOptions;
  private readonly state: LocalStateFile;
  private readonly servers: Server[] = [];
  private endpointUrl: string | undefined;
  private sqsEndpointUrl: string | undefined;

  constructor(options: BackboneOptions) {
    this.options = options;
    const log = options.log ?? (() => undefined);
    this.state = new LocalStateFile(options.stateFile, log);
    this.streamFailures = [...this.state.loaded.streamFailures];
    const onChange = () => this.state.changed();
    for (const [name, fn] of Object.entries(options.topology.functions)) {
      if (!fn.consumer) continue;
      const dlq = new LocalQueue({
        name: `${name}-dlq`,
        region: options.region,
        visibilityTimeoutMs: 30_000,
        onChange,
        onFirstMessage: () => options.onDeadLetters?.(name),
      });
      const queue = new LocalQueue({
        name,
        region: options.region,
        visibilityTimeoutMs:
          (options.visibilityTimeoutSeconds ?? fn.consumer.visibilityTimeoutSeconds) * 1000,
        maxReceiveCount: fn.consumer.maxReceiveCount,
        deadLetterQueue: dlq,
        onChange,
      });
      queue.restore(this.state.loaded.queues[queue.name] ?? []);
      dlq.restore(this.state.loaded.queues[dlq.name] ?? []);
      this.queues.set(name, { queue, dlq });
    }
    this.bus = new LocalEventBus({
      name: options.topology.bus.name,
      region: options.region,
      rules: rulesFromTopology(options.topology, (name) => this.consumerQueues(name).queue),
      archiveFile: options.stateFile ? join(dirname(options.stateFile), 'event-archive.jsonl') : undefined,
      log,
    });
    this.state.attach({
      checkpoints: () => ({
        ...this.state.loaded.checkpoints,
        ...Object.fromEntries(this.streamSources.map((s) => [s.functionName, s.checkpoints()])),
      }),
      queues: () =>
        Object.fromEntries(
          [...this.queues.values()].flatMap(({ queue, dlq }) => [
            [queue.name, queue.peek()],
            [dlq.name, dlq.peek()],
          ]),
        ),
      streamFailures: () => this.streamFailures,
    });
  }

  consumerQueues(name: string): ConsumerQueues {
    const found = this.queues.get(name);
    if (!found) throw new Error(`No consumer ${name} in the topology`);
    return found;
  }

  /** Queues by name, DLQs included. */
  queueByName(name: string): LocalQueue | undefined {
    for (const { queue, dlq } of this.queues.values()) {
      if (queue.name === name) return queue;
      if (dlq.name === name) return dlq;
    }
    return undefined;
  }

  /** The EventBridge endpoint functions reach through `AWS_ENDPOINT_URL_EVENTBRIDGE`. */
  get endpoint(): string {
    if (!this.endpointUrl) throw new Error('the local bus is not listening yet');
    return this.endpointUrl;
  }

  /** The SQS endpoint serving the consumer queues and DLQs (`AWS_ENDPOINT_URL_SQS`). */
  get sqsEndpoint(): string {
    if (!this.sqsEndpointUrl) throw new Error('the local SQS endpoint is not listening yet');
    return this.sqsEndpointUrl;
  }

  /** Starts the EventBridge and SQS endpoints; returns the EventBridge one. */
  async listen(): Promise<string> {
    const bus = createEventBridgeServer(this.bus);
    this.servers.push(bus);
    this.endpointUrl = `http://127.0.0.1:${await listen(bus, this.options.eventBridgePort ?? 0)}`;
    const sqs = createSqsServer(() => [...this.queues.values()].flatMap(({ queue, dlq }) => [queue, dlq]));
    this.servers.push(sqs);
    this.sqsEndpointUrl = `http://127.0.0.1:${await listen(sqs, this.options.sqsPort ?? 0)}`;
    return this.endpointUrl;
  }

  /** Starts the event sources: stream → stream functions, queues → consumers. */
  start(invoke: (functionName: string, event: unknown) => Promise<unknown>, stream: StreamTarget): void {
    const { topology, region, log } = this.options;
    for (const [name, fn] of Object.entries(topology.functions)) {
      if (fn.stream) {
        const source = new StreamEventSource({
          client: stream.client,
          streamArn: stream.streamArn,
          functionName: name,
          spec: fn.stream,
          region,
          invoke: (event) => invoke(name, event),
          checkpoints: this.state.loaded.checkpoints[name] ?? {},
          onChange: () => this.state.changed(),
          onFailure: (failure) => {
            const first = !this.streamFailures.some((f) => f.functionName === name);
            this.streamFailures.push(failure);
            this.state.changed();
            if (first) this.options.onDeadLetters?.(`${name}-stream-failures`);
          },
          ...(log ? { log } : {}),
          ...(this.options.pollIntervalMs ? { pollIntervalMs: this.options.pollIntervalMs } : {}),
          ...(this.options.streamRetryDelayMs ? { retryDelayMs: this.options.streamRetryDelayMs } : {}),
        });
        this.streamSources.push(source);
        source.start();
      }
      if (fn.consumer) {
        const source = new SqsEventSource({
          functionName: name,
          queue: this.consumerQueues(name).queue,
          spec: fn.consumer,
          region,
          invoke: (event) => invoke(name, event),
          ...(log ? { log } : {}),
          ...(this.options.pollIntervalMs ? { pollIntervalMs: this.options.pollIntervalMs } : {}),
        });
        this.queueSources.push(source);
        source.start();
      }
    }
  }

  /** Stops the event sources, letting batches in flight finish. */
  async stopSources(): Promise<void> {
    await Promise.all([...this.streamSources, ...this.queueSources].map((s) => s.stop()));
  }

  /**
   * Pauses every event source (stream pollers and queue consumers) after its batch in flight;
   * events keep arriving in the stream and the queues. The bench measures intake alone this way.
   */
  async pauseSources(): Promise<void> {
    await this.stopSources();
  }

  /** Resumes the event sources paused by `pauseSources`, from where they stopped. */
  resumeSources(): void {
    for (const source of [...this.streamSources, ...this.queueSources]) source.start();
  }

  /** Messages in the consumer queues (in flight included) and in their DLQs. */
  backlog(): { queued: number; deadLetters: number; byQueue: Record<string, number> } {
    const byQueue: Record<string, number> = {};
    let queued = 0;
    let deadLetters = 0;
    for (const [name, { queue, dlq }] of this.queues) {
      if (queue.size > 0) byQueue[name] = queue.size;
      queued += queue.size;
      deadLetters += dlq.size;
    }
    return { queued, deadLetters, byQueue };
  }

  /**
   * Resumes the sources and waits until the pipeline is empty: every queue empty (its batches
   * settled) and then a stream pass that began after that found nothing, twice in a row, so what
   * consumers emitted in turn is through too. Rejects after `timeoutMs`.
   */
  async drain(timeoutMs = 120_000): Promise<void> {
    this.resumeSources();
    const deadline = Date.now() + timeoutMs;
    const wait = () => new Promise((r) => setTimeout(r, 20));
    let quietRounds = 0;
    while (quietRounds < 2) {
      if (Date.now() > deadline)
        throw new Error(`pipeline not drained after ${timeoutMs} ms: ${JSON.stringify(this.backlog())}`);
      if (this.backlog().queued > 0) {
        quietRounds = 0;
        await wait();
        continue;
      }
      const emptyAt = Date.now();
      while (
        Date.now() <= deadline &&
        !this.streamSources.every((s) => s.idleSince !== undefined && s.idleSince >= emptyAt)
      )
        await wait();
      quietRounds = this.backlog().queued === 0 ? quietRounds + 1 : 0;
    }
  }

  /** Stops the event sources, then the endpoints, and saves state. */
  async stop(): Promise<void> {
    await this.stopSources();
    await Promise.all(
      this.servers.splice(0).map(
        (server) =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      ),
    );
    this.state.flush();
  }
}

/** A DynamoDB Streams client for DynamoDB Local. */
export function localStreamsClient(endpoint: string, region: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
}
