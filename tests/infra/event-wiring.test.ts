/**
 * Infra tier: the event wiring — stream subscriptions, SQS consumers, schedules — generated from a
 * synthetic topology that uses all of them (Storeline's does not yet). Expectations are derived
 * from that topology, so they hold for any topology the stack is given.
 */
import { describe, expect, it } from 'vitest';
import { functionEntries, type Topology } from '#infra/topology.ts';
import {
  getAtt,
  logicalId,
  operationsTemplate,
  ref,
  resource,
  resourcesOfType,
  statementsForRole,
  synthesize,
} from './helpers.ts';
import { syntheticTopology } from './synthetic-topology.ts';

const t: Topology = syntheticTopology;
const { stack, template } = synthesize(t);
const entries = functionEntries(t);
const streamSubscribers = entries.filter(([, spec]) => spec.stream);
const consumers = entries.filter(([, spec]) => spec.consumer);
const scheduled = entries.filter(([, spec]) => (spec.schedules ?? []).length > 0);

const eventSourceMappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'));
// Alarms live in the operations nested stack (parameters resolved to the main stack's values).
const alarms = Object.values(resourcesOfType(operationsTemplate(t), 'AWS::CloudWatch::Alarm'));

/** The one event source mapping feeding a function from a source. */
function mappingFor(functionName: string, eventSourceArn: unknown) {
  const found = eventSourceMappings.filter(
    (m) =>
      JSON.stringify(m.Properties.FunctionName) ===
        JSON.stringify(ref(stack.functions.get(functionName)!.function)) &&
      JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(eventSourceArn),
  );
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
}

/** A queue is encrypted (SSE-SQS) and its policy denies any request not over TLS. */
function expectSecureQueue(queueLogicalId: string): void {
  expect(resource(template, queueLogicalId).Properties.SqsManagedSseEnabled).toBe(true);
  const policies = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).filter((p) =>
    JSON.stringify(p.Properties.Queues).includes(`"${queueLogicalId}"`),
  );
  expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
}

/** An alarm fires on the first visible message of a queue and notifies the alarm topic. */
function expectDepthAlarm(queueLogicalId: string): void {
  expect(alarms).toContainEqual(
    expect.objectContaining({
      Properties: expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [ref(stack.observability.alarmTopic)],
      }),
    }),
  );
}

describe('StorelineStack (synthetic topology)', () => {
  it('uses every wiring path: stream, consumers and schedules', () => {
    expect([streamSubscribers.length, consumers.length, scheduled.length].every((n) => n > 0)).toBe(true);
  });

  describe('stream subscriptions', () => {
    it.each(streamSubscribers)(
      '%s reads the table stream from TRIM_HORIZON with the batching, retries and bisection of the topology',
      (name, spec) => {
        // Act
        const mapping = mappingFor(name, getAtt(stack.table, 'StreamArn'));

        // Assess
        expect(mapping).toMatchObject({
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: spec.stream!.batchSize,
          MaximumBatchingWindowInSeconds: spec.stream!.maxBatchingWindowSeconds,
          MaximumRetryAttempts: spec.stream!.retryAttempts,
          BisectBatchOnFunctionError: spec.stream!.bisectBatchOnError,
          ParallelizationFactor: spec.stream!.parallelizationFactor,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      },
    );

    it.each(streamSubscribers)(
      '%s only receives INSERTs whose pk starts with the topology prefix',
      (name, spec) => {
        // Prepare
        const mapping = mappingFor(name, getAtt(stack.table, 'StreamArn'));
        const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;

        // Assess
        expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
          {
            eventName: [spec.stream!.filter.eventName],
            dynamodb: { Keys: { pk: { S: [{ prefix: spec.stream!.filter.pkPrefix }] } } },
          },
        ]);
      },
    );

    it.each(streamSubscribers)(
      '%s sends records that exhaust their retries to an encrypted, alarmed on-failure queue',
      (name) => {
        // Prepare
        const failureQueue = stack.streamSubscriptions.get(name)!.failureQueue;
        const mapping = mappingFor(name, getAtt(stack.table, 'StreamArn'));

        // Assess
        expect(mapping.DestinationConfig).toEqual({ OnFailure: { Destination: getAtt(failureQueue) } });
        expectSecureQueue(logicalId(failureQueue));
        expectDepthAlarm(logicalId(failureQueue));
      },
    );

    it.each(streamSubscribers)('%s may read this table stream only', (name) => {
      // Prepare
      const statements = statementsForRole(template, stack.functions.get(name)!.role);
      const streamRead = statements.find(
        (s) =>
          [s.Action].flat().includes('dynamodb:GetRecords') &&
          JSON.stringify(s.Resource).includes('StreamArn'),
      );

      // Assess
      expect(streamRead?.Resource).toEqual(getAtt(stack.table, 'StreamArn'));
    });
  });

  describe('consumers', () => {
    it.each(consumers)(
      '%s has a queue with the visibility timeout of the topology, redriving to its DLQ after maxReceiveCount',
      (name, spec) => {
        // Prepare
        const consumer = stack.consumers.get(name)!;
        const queue = resource(template, logicalId(consumer.queue));

        // Assess
        expect(queue.Properties).toMatchObject({
          VisibilityTimeout: spec.consumer!.visibilityTimeoutSeconds,
          RedrivePolicy: {
            deadLetterTargetArn: getAtt(consumer.deadLetterQueue),
            maxReceiveCount: spec.consumer!.maxReceiveCount,
          },
        });
        expect(spec.consumer!.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * spec.timeoutSeconds);
      },
    );

    it.each(consumers)(
      '%s keeps dead letters for the DLQ retention of the topology, encrypted, TLS only, alarmed',
      (name, spec) => {
        // Prepare
        const consumer = stack.consumers.get(name)!;
        const dlqId = logicalId(consumer.deadLetterQueue);

        // Assess
        expect(resource(template, dlqId).Properties.MessageRetentionPeriod).toBe(
          spec.consumer!.dlqRetentionDays * 86_400,
        );
        expectSecureQueue(dlqId);
        expectSecureQueue(logicalId(consumer.queue));
        expectDepthAlarm(dlqId);
      },
    );

    it.each(consumers)(
      '%s has one bus rule per events entry, matching its source and detail-types, targeting its queue',
      (name, spec) => {
        // Prepare
        const consumer = stack.consumers.get(name)!;
        const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
          JSON.stringify(rule.Properties.Targets).includes(`"${logicalId(consumer.queue)}"`),
        );

        // Assess
        expect(rules.map((rule) => rule.Properties.EventPattern)).toEqual(
          spec.consumer!.events.map(({ source, detailTypes }) => ({
            source: [source],
            'detail-type': [...detailTypes],
          })),
        );
        for (const rule of rules) {
          expect(rule.Properties.EventBusName).toEqual(ref(stack.bus));
          expect(rule.Properties.Targets).toEqual([
            expect.objectContaining({
              Arn: getAtt(consumer.queue),
              DeadLetterConfig: { Arn: getAtt(consumer.deadLetterQueue) },
            }),
          ]);
        }
      },
    );

    it.each(consumers)(
      '%s is fed by its queue with the batching of the topology and partial batch responses',
      (name, spec) => {
        // Act
        const mapping = mappingFor(name, getAtt(stack.consumers.get(name)!.queue));

        // Assess
        expect(mapping.BatchSize).toBe(spec.consumer!.batchSize);
        expect(mapping.MaximumBatchingWindowInSeconds ?? 0).toBe(spec.consumer!.maxBatchingWindowSeconds);
        expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
        expect(
          (mapping.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
        ).toBe(spec.consumer!.maxConcurrency);
      },
    );
  });

  describe('schedules', () => {
    const schedules = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule'));

    it('creates exactly one EventBridge Scheduler schedule per topology schedule', () => {
      expect(schedules).toHaveLength(scheduled.flatMap(([, spec]) => spec.schedules ?? []).length);
    });

    it.each(scheduled)(
      '%s is invoked on each of its schedules with the schedule name as input',
      (name, spec) => {
        // Prepare
        const fn = stack.functions.get(name)!.function;

        // Assess
        for (const schedule of spec.schedules ?? []) {
          expect(schedules).toContainEqual(
            expect.objectContaining({
              Properties: expect.objectContaining({
                ScheduleExpression: schedule.expression,
                Description: schedule.description,
                Target: expect.objectContaining({
                  Arn: getAtt(fn),
                  Input: JSON.stringify({ schedule: schedule.name }),
                }),
              }),
            }),
          );
        }
      },
    );

    it.each(scheduled)('%s is invoked through a role that may invoke that function only', (name) => {
      // Prepare
      const fnArn = getAtt(stack.functions.get(name)!.function);
      const statements = statementsForRole(template, stack.schedules.get(name)!.role);

      // Assess
      expect(statements).toEqual([
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }],
        }),
      ]);
    });
  });

  it('refuses a consumer whose visibility timeout is below six times its function timeout', () => {
    // Prepare
    const [name, spec] = consumers[0]!;
    const broken: Topology = {
      ...t,
      functions: {
        [name]: {
          ...spec,
          consumer: { ...spec.consumer!, visibilityTimeoutSeconds: 6 * spec.timeoutSeconds - 1 },
        },
      },
    };

    // Act & Assess
    expect(() => synthesize(broken)).toThrow(/six times the function timeout/);
  });
});
