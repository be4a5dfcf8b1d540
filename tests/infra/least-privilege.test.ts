/**
 * Infra tier: least privilege, proven from the synthesized template. For every function of the
 * topology the statements its execution role is allowed are computed from its topology entry alone
 * — table access and the indexes it queries, its queue, the bus for the publisher, its secrets, its
 * timers, what it sends — and compared, one (effect, action, resource) at a time, with what the
 * template grants: nothing missing, nothing more. The only `Resource: "*"` left are the actions IAM
 * cannot scope (X-Ray, ListStreams, SMS to phone numbers), each acknowledged for cdk-nag.
 */
import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TIMER_OWNER_ACTIONS } from '#infra/constructs/function-timers.ts';
import type { StorelineStack } from '#infra/stack.ts';
import { INDEX_ACTIONS, TABLE_ACTIONS } from '#infra/topology/access.ts';
import { type FunctionSpec, functionEntries, type Topology, topology } from '#infra/topology.ts';
import {
  actionsOf,
  logicalId,
  type PolicyStatementJson,
  resource,
  resourcesOf,
  statementsForRole,
  synthesize,
} from './helpers.ts';
import { syntheticTopology } from './synthetic-topology.ts';

/** What the Lambda service needs to poll an SQS event source (receive, extend, delete). */
const SQS_CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
/** What a stream event source mapping needs on the stream (ListStreams is account-wide). */
const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
/** What a stream mapping's on-failure destination needs on its queue. */
const FAILURE_DESTINATION = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
/** Actions with no resource-level permissions: IAM accepts only `*` (the documented exceptions). */
const UNSCOPABLE = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams']);

/** One allowed or denied action on one resource (with its condition, if any), as a comparable string. */
type Atom = string;
const atom = (effect: string, action: string, resourceJson: unknown, condition?: unknown): Atom =>
  `${effect} ${action} on ${JSON.stringify(resourceJson)}${condition ? ` if ${JSON.stringify(condition)}` : ''}`;

const atomsOf = (statements: readonly PolicyStatementJson[]): Atom[] =>
  statements.flatMap((s) =>
    actionsOf(s).flatMap((action) => resourcesOf(s).map((r) => atom(s.Effect, action, r, s.Condition))),
  );

const allow = (
  stack: Stack,
  actions: readonly string[],
  resources: readonly unknown[],
  condition?: unknown,
) =>
  actions.flatMap((action) =>
    resources.map((r) => atom('Allow', action, typeof r === 'string' ? stack.resolve(r) : r, condition)),
  );

/** Every statement a function's role should hold, from its topology entry and the constructs made for it. */
function expectedAtoms(stack: StorelineStack, template: Template, name: string, spec: FunctionSpec): Atom[] {
  const fn = stack.functions.get(name)!;
  const tableArn = stack.table.tableArn;
  const expected = [
    ...allow(stack, ['logs:CreateLogStream', 'logs:PutLogEvents'], [fn.logGroup.logGroupArn]),
    ...allow(stack, ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
    ...allow(stack, TABLE_ACTIONS[spec.table], [tableArn]),
    ...allow(
      stack,
      INDEX_ACTIONS,
      (spec.indexes ?? []).map((index) => `${tableArn}/index/${index}`),
    ),
  ];
  if (spec.publishesToBus) expected.push(...allow(stack, ['events:PutEvents'], [stack.bus.eventBusArn]));
  if (spec.stream) {
    const subscription = stack.streamSubscriptions.get(name)!;
    expected.push(
      ...allow(stack, ['dynamodb:ListStreams'], ['*']),
      ...allow(stack, STREAM_READ, [stack.table.tableStreamArn!]),
      ...allow(stack, FAILURE_DESTINATION, [subscription.failureQueue.queueArn]),
    );
  }
  if (spec.consumer) expected.push(...allow(stack, SQS_CONSUME, [stack.consumers.get(name)!.queue.queueArn]));
  for (const secret of fn.secrets.values())
    expected.push(
      ...allow(stack, ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], [secret.secretArn]),
    );
  for (const timer of stack.timers.get(name)?.timers.values() ?? []) {
    expected.push(
      ...allow(stack, TIMER_OWNER_ACTIONS, [timer.schedulesArn]),
      ...allow(stack, ['iam:PassRole'], [timer.role.roleArn], {
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      }),
    );
  }
  if (spec.sends?.email) {
    expected.push(
      ...allow(stack, ['ses:SendEmail', 'ses:SendRawEmail'], [stack.messaging.identity!.emailIdentityArn]),
    );
  }
  if (spec.sends?.opsTopic) {
    // The topic's ARN as this stack renders it (a Ref, or a nested stack's output if the topic moves
    // into one): the same value the function's OPS_TOPIC_ARN holds.
    const variables = (
      resource(template, logicalId(fn.function)).Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expected.push(atom('Allow', 'sns:Publish', variables.OPS_TOPIC_ARN));
    const topic = stack.observability.alarmTopic;
    const key = topic.masterKey!;
    const keyArn =
      Stack.of(key) === stack
        ? stack.resolve(key.keyArn)
        : // From another stack the key arrives as an output reference; it must still be one key, not "*".
          resourcesOf(
            statementsForRole(template, fn.role).find((st) => actionsOf(st).includes('kms:Decrypt'))!,
          ).find((r) => r !== '*');
    expected.push(atom('Allow', 'kms:Decrypt', keyArn), atom('Allow', 'kms:GenerateDataKey*', keyArn));
  }
  if (spec.sends?.sms) {
    expected.push(...allow(stack, ['sns:Publish'], ['*']));
    if (!spec.sends.opsTopic)
      expected.push(atom('Deny', 'sns:Publish', stack.resolve(`arn:${stack.partition}:sns:*:*:*`)));
  }
  return expected.sort();
}

const topologies: [string, Topology][] = [
  ['Storeline topology', topology],
  ['synthetic topology', syntheticTopology],
];

describe('StorelineStack: least privilege', () => {
  describe.each(topologies)('from the %s', (_label, t) => {
    const { stack, template } = synthesize(t === topology ? undefined : t);
    const entries = functionEntries(t);

    it.each(entries)(
      'allows %s exactly what its topology entry declares, on exactly its resources',
      (name, spec) => {
        // Prepare
        const role = stack.functions.get(name)!.role;

        // Act
        const actual = [...new Set(atomsOf(statementsForRole(template, role)))].sort();

        // Assess
        expect(actual).toEqual(expectedAtoms(stack, template, name, spec));
      },
    );

    it('gives each function a role of its own, with no managed policy and no inline policy beside its own', () => {
      const roles = entries.map(([name]) => logicalId(stack.functions.get(name)!.role));
      expect(new Set(roles).size).toBe(entries.length);
      for (const id of roles) {
        const properties = resource(template, id).Properties;
        expect(properties.ManagedPolicyArns, id).toBeUndefined();
        expect(properties.Policies, id).toBeUndefined();
      }
    });

    it('uses Resource "*" only for actions IAM cannot scope (X-Ray, ListStreams, SMS), never where an ARN exists', () => {
      // Act
      const starred = entries.flatMap(([name]) =>
        statementsForRole(template, stack.functions.get(name)!.role)
          .filter((s) => s.Effect === 'Allow' && resourcesOf(s).includes('*'))
          .flatMap((s) => actionsOf(s).map((action) => ({ name, action, sid: (s as { Sid?: string }).Sid }))),
      );

      // Assess
      for (const { name, action, sid } of starred) {
        const sms = action === 'sns:Publish' && sid === 'SmsToPhoneNumbers' && t.functions[name]?.sends?.sms;
        expect(UNSCOPABLE.has(action) || sms, `${name}: ${action} on *`).toBeTruthy();
      }
      // No index wildcard: each index a function queries is named.
      const indexStar = entries.flatMap(([name]) =>
        atomsOf(statementsForRole(template, stack.functions.get(name)!.role)).filter((a) =>
          a.includes('/index/*'),
        ),
      );
      expect(indexStar).toEqual([]);
    });

    it('lets only the publisher put events on the bus', () => {
      const putters = entries
        .filter(([name]) =>
          atomsOf(statementsForRole(template, stack.functions.get(name)!.role)).some((a) =>
            a.startsWith('Allow events:PutEvents'),
          ),
        )
        .map(([name]) => name);
      expect(putters).toEqual(entries.filter(([, spec]) => spec.publishesToBus).map(([name]) => name));
    });

    it('lets each timer role and schedule role invoke its one target function and nothing else', () => {
      for (const [owner, timers] of stack.timers) {
        for (const [timerName, timer] of timers.timers) {
          const target = t.functions[owner]!.timers!.find((spec) => spec.name === timerName)!.target;
          expect(atomsOf(statementsForRole(template, timer.role)), `${owner}.${timerName}`).toEqual(
            allow(stack, ['lambda:InvokeFunction'], [stack.functions.get(target)!.function.functionArn]),
          );
        }
      }
      for (const [name, schedules] of stack.schedules) {
        const arn = stack.functions.get(name)!.function.functionArn;
        expect(atomsOf(statementsForRole(template, schedules.role)).sort(), name).toEqual(
          allow(stack, ['lambda:InvokeFunction'], [arn, `${arn}:*`]).sort(),
        );
      }
    });
  });

  it('declares for every function reading the table only indexes of the table', () => {
    const indexes = new Set<string>(topology.table.indexes.map((index) => index.name));
    for (const [name, spec] of functionEntries())
      for (const index of spec.indexes ?? []) {
        expect(indexes.has(index), `${name}: ${index}`).toBe(true);
        expect(spec.table, name).not.toBe('none');
      }
  });
});
