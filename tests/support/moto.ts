/**
 * moto (`moto_server`, an independent AWS emulator in Python) for the conformance tier: starting
 * it on a free loopback port, and building on it what the CDK stack builds from the topology
 * (each consumer's queue and DLQ, the bus, one rule per subscription with its queue as target),
 * so one scenario can run against our emulators and moto through the same SDK clients.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
// Types only, and leaf modules: the global setup must not load the topology (and every handler).
import type { LocalBackbone } from '#infra/local/backbone.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { eventPattern } from '#infra/local/eventbridge.ts';
import { ownChild } from '#infra/local/processes.ts';
import type { Topology } from '#infra/topology/types.ts';

export const MOTO_INSTALL_HINT = "pip install 'moto[server]'";

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts `moto_server` on 127.0.0.1:`port`; undefined when it is not on PATH. */
export async function startMotoServer(port: number): Promise<MotoServer | undefined> {
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const missing = await new Promise<boolean>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT'));
    child.once('spawn', () => resolve(false));
  });
  if (missing) return undefined;
  // Whatever ends this process, moto goes with it.
  const { stop, release } = ownChild(child, 3_000);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    // 127: a shim (pyenv, asdf) found no moto_server in the selected Python: not installed.
    if (child.exitCode === 127) {
      release();
      return undefined;
    }
    if (child.exitCode !== null) {
      throw new Error(
        `moto_server exited with code ${child.exitCode}: ${output.trim().split('\n').slice(-3).join(' ')}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      await res.arrayBuffer();
      if (res.ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('moto_server did not answer within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SDK settings for either emulator: no retries, so a refusal shows as it is. */
export const clientConfig = (endpoint: string) => ({
  endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  maxAttempts: 1,
});

export interface ConsumerQueueUrls {
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/** One emulator as a scenario sees it: SDK clients, the bus name, each consumer's queues. */
export interface Side {
  readonly name: 'ours' | 'moto';
  readonly eventBridge: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly busName: string;
  readonly queues: ReadonlyMap<string, ConsumerQueueUrls>;
  destroy(): void;
}

export interface MirrorOptions {
  /** Prefixes every name on moto, so test files sharing the server do not meet. */
  readonly prefix: string;
  /** Replaces every queue's visibility timeout (seconds), as `LocalBackbone` allows. */
  readonly visibilityTimeoutSeconds?: number;
  /** Whether to create the bus and its rules too. */
  readonly bus?: boolean;
}

/** Builds on moto what the CDK stack builds from the topology, and returns it as a side. */
export async function motoSide(endpoint: string, topology: Topology, options: MirrorOptions): Promise<Side> {
  const eventBridge = new EventBridgeClient(clientConfig(endpoint));
  const sqs = new SQSClient(clientConfig(endpoint));
  const busName = `${options.prefix}-${topology.bus.name}`;
  const queues = new Map<string, ConsumerQueueUrls>();
  if (options.bus) await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  for (const [name, fn] of Object.entries(topology.functions)) {
    if (!fn.consumer) continue;
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${options.prefix}-${name}-dlq` }));
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${options.prefix}-${name}`,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? fn.consumer.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: fn.consumer.maxReceiveCount,
          }),
        },
      }),
    );
    if (!queue.QueueUrl || !dlq.QueueUrl) throw new Error(`moto created no queue URL for ${name}`);
    queues.set(name, { queueUrl: queue.QueueUrl, dlqUrl: dlq.QueueUrl });
    if (!options.bus) continue;
    const queueArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    for (const [index, subscription] of fn.consumer.events.entries()) {
      const rule = `${name}-${index}`;
      await eventBridge.send(
        new PutRuleCommand({
          Name: rule,
          EventBusName: busName,
          EventPattern: JSON.stringify(eventPattern(subscription)),
        }),
      );
      await eventBridge.send(
        new PutTargetsCommand({
          Rule: rule,
          EventBusName: busName,
          Targets: [{ Id: 'queue', Arn: queueArn }],
        }),
      );
    }
  }
  return {
    name: 'moto',
    eventBridge,
    sqs,
    busName,
    queues,
    destroy: () => {
      eventBridge.destroy();
      sqs.destroy();
    },
  };
}

/** Our emulators (a listening `LocalBackbone`) as a side. */
export async function ourSide(backbone: LocalBackbone, topology: Topology): Promise<Side> {
  const eventBridge = new EventBridgeClient(clientConfig(backbone.endpoint));
  const sqs = new SQSClient(clientConfig(backbone.sqsEndpoint));
  const queues = new Map<string, ConsumerQueueUrls>();
  for (const name of backbone.queues.keys()) {
    const url = async (queueName: string) => {
      const found = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      if (!found.QueueUrl) throw new Error(`no URL for ${queueName}`);
      return found.QueueUrl;
    };
    queues.set(name, { queueUrl: await url(name), dlqUrl: await url(`${name}-dlq`) });
  }
  return {
    name: 'ours',
    eventBridge,
    sqs,
    busName: topology.bus.name,
    queues,
    destroy: () => {
      eventBridge.destroy();
      sqs.destroy();
    },
  };
}

/** The consumer's queues on a side. */
export function queuesOf(side: Side, consumer: string): ConsumerQueueUrls {
  const found = side.queues.get(consumer);
  if (!found) throw new Error(`no consumer ${consumer} on ${side.name}`);
  return found;
}
