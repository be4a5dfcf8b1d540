/**
 * Infra tier: the dashboard and the alarms, in the operations nested stack, against the topology
 * and the alarm model they were generated from (Storeline's topology and a synthetic one using every
 * wiring path). Every expectation is derived from the topology or the model, never counted by hand:
 * every function, queue, DLQ, stream and schedule has its widgets and its alarms, each alarm's
 * figures are the model's, each names a runbook section that exists in docs/operations.md, and
 * composites are built from alarms of the same stack. Also: every stack of the app stays well
 * within CloudFormation's 500 resources and the nested stack within its 200 parameters.
 */
import { readFileSync } from 'node:fs';
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { alarmsOf, queueAgeBoundSeconds, runbookAnchors } from '#infra/topology/alarms.ts';
import { orderCostWidget } from '#infra/topology/dashboard.ts';
import { orderUnitCosts } from '#infra/topology/order-costs.ts';
import { functionEntries, type Topology, topology } from '#infra/topology.ts';
import { businessMetrics } from '#shared/business-metrics.ts';
import { getAtt, logicalId, operationsTemplate, ref, resourcesOfType, synthesize } from './helpers.ts';
import { syntheticTopology } from './synthetic-topology.ts';

const topologies: [string, Topology][] = [
  ['Storeline topology', topology],
  ['synthetic topology', syntheticTopology],
];

/** Headroom under CloudFormation's 500 resources per stack. */
const MAX_RESOURCES = 450;
/** Well under CloudFormation's 200 parameters per template. */
const MAX_PARAMETERS = 150;

/** GitHub's anchor of a Markdown heading. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

const operationsDoc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
const docAnchors = new Set(
  operationsDoc
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => slug(line.replace(/^#+ /, ''))),
);

/**
 * A template value with CloudFormation functions (`Fn::Join` of strings and references) as one
 * string, references written `Ref:<id>` and `GetAtt:<id>.<attribute>`.
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if ('Ref' in object) return `Ref:${String(object.Ref)}`;
  if ('Fn::GetAtt' in object) return `GetAtt:${(object['Fn::GetAtt'] as string[]).join('.')}`;
  throw new Error(`Cannot flatten ${JSON.stringify(value)}`);
}

/** One series of a dashboard widget: `[namespace, name, dim, value, …, options]` or `[{ expression }]`. */
type Series = (string | Record<string, unknown>)[];
interface DashboardWidget {
  readonly type: string;
  readonly properties: { readonly title?: string; readonly metrics?: Series[]; readonly markdown?: string };
}

describe.each(topologies)('operations (dashboard and alarms) from the %s', (_label, t) => {
  const { stack, template } = synthesize(t);
  const ops = operationsTemplate(t);
  const nested = stack.observability.operations;
  const model = alarmsOf(t);
  const entries = functionEntries(t);
  const consumers = entries.filter(([, spec]) => spec.consumer);
  const streams = entries.filter(([, spec]) => spec.stream);
  const scheduled = entries.filter(
    ([, spec]) => (spec.schedules ?? []).length > 0 || (spec.timers ?? []).length > 0,
  );
  const topic = ref(stack.observability.alarmTopic);

  const alarms = resourcesOfType(ops, 'AWS::CloudWatch::Alarm');
  const composites = resourcesOfType(ops, 'AWS::CloudWatch::CompositeAlarm');
  const alarmOf = (id: string) => {
    const construct = nested.alarms.get(id);
    if (!construct) throw new Error(`No alarm ${id}`);
    const found = { ...alarms, ...composites }[logicalId(construct)];
    if (!found) throw new Error(`No resource for alarm ${id}`);
    return found.Properties;
  };
  /** The metrics an alarm reads: its one metric, or every metric of its math. */
  const metricsOf = (id: string): { namespace: string; name: string; dimensions: unknown }[] => {
    const p = alarmOf(id);
    if (p.MetricName)
      return [{ namespace: String(p.Namespace), name: String(p.MetricName), dimensions: p.Dimensions }];
    return (p.Metrics as { MetricStat?: { Metric: Record<string, unknown> } }[]).flatMap((m) =>
      m.MetricStat
        ? [
            {
              namespace: String(m.MetricStat.Metric.Namespace),
              name: String(m.MetricStat.Metric.MetricName),
              dimensions: m.MetricStat.Metric.Dimensions,
            },
          ]
        : [],
    );
  };

  const [dashboard, ...otherDashboards] = Object.values(resourcesOfType(ops, 'AWS::CloudWatch::Dashboard'));
  const widgets = (JSON.parse(flatten(dashboard!.Properties.DashboardBody)) as { widgets: DashboardWidget[] })
    .widgets;
  const allSeries = widgets.flatMap((w) => w.properties.metrics ?? []);
  /** Dashboard series of a metric, by namespace, name and one dimension value. */
  const seriesOf = (namespace: string, name: string, dimensionValue?: string): Series[] =>
    allSeries.filter(
      (s) =>
        s[0] === namespace &&
        s[1] === name &&
        (dimensionValue === undefined || s.slice(2).includes(dimensionValue)),
    );

  describe('stacks', () => {
    it(`keeps every stack and nested stack of the app at or under ${MAX_RESOURCES} resources`, () => {
      const stacks: Stack[] = [stack, ...stack.node.findAll().filter((c) => NestedStack.isNestedStack(c))];
      const counts = stacks.map((s) => ({
        stack: s.node.path,
        resources: Object.keys(
          (s === stack ? template : Template.fromStack(s)).toJSON().Resources as Record<string, unknown>,
        ).length,
      }));
      console.info(`resources per stack (${_label}):`, counts);
      expect(stacks).toContain(nested);
      for (const { stack: path, resources } of counts) {
        expect(resources, path).toBeLessThanOrEqual(MAX_RESOURCES);
      }
    });

    it(`passes the nested stack fewer than ${MAX_PARAMETERS} parameters (CloudFormation allows 200)`, () => {
      const parameters = Object.keys(Template.fromStack(nested).toJSON().Parameters ?? {});
      console.info(`operations stack parameters (${_label}): ${parameters.length}`);
      expect(parameters.length).toBeLessThan(MAX_PARAMETERS);
    });

    it('keeps the alarm topic and its key in the main stack, and no alarm or dashboard there', () => {
      expect(Stack.of(stack.observability.alarmTopic)).toBe(stack);
      expect(Object.keys(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))).toEqual([]);
      expect(Object.keys(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'))).toEqual([]);
      expect(template.findOutputs('DashboardName').DashboardName?.Value).toBe(
        `${stack.stackName}-operations`,
      );
    });
  });

  describe('alarms', () => {
    it('renders every alarm of the model, and nothing else', () => {
      const ids = model.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(Object.keys(alarms).length).toBe(model.filter((a) => a.type === 'metric').length);
      expect(Object.keys(composites).length).toBe(model.filter((a) => a.type === 'composite').length);
    });

    it.each(model.filter((a) => a.type === 'metric').map((a) => [a.id, a] as const))(
      '%s has the threshold, period, datapoints and topic of the model',
      (id, spec) => {
        const p = alarmOf(id);
        expect(p).toMatchObject({
          Threshold: spec.threshold,
          ComparisonOperator: spec.comparison,
          EvaluationPeriods: spec.evaluationPeriods,
          DatapointsToAlarm: spec.datapointsToAlarm,
          TreatMissingData: 'notBreaching',
          AlarmActions: [topic],
        });
        const periods = p.Period
          ? [p.Period]
          : (p.Metrics as { MetricStat?: { Period: number } }[]).flatMap((m) =>
              m.MetricStat ? [m.MetricStat.Period] : [],
            );
        expect(periods.length).toBeGreaterThan(0);
        for (const period of periods) expect(period).toBe(spec.periodSeconds);
      },
    );

    it('names a runbook section of docs/operations.md in every alarm of the template', () => {
      const described = [...Object.values(alarms), ...Object.values(composites)].map((a) =>
        String(a.Properties.AlarmDescription),
      );
      expect(described.length).toBe(model.length);
      for (const description of described) {
        const anchor = /docs\/operations\.md#([a-z0-9-]+)/.exec(description)?.[1];
        expect(anchor, description).toBeDefined();
        expect(docAnchors, `no heading for #${anchor}`).toContain(anchor);
      }
    });

    it('has a runbook section for every kind of alarm', () => {
      for (const anchor of Object.values(runbookAnchors)) expect(docAnchors).toContain(anchor);
    });

    it('builds composites from alarms of the same stack, as the model says', () => {
      for (const spec of model) {
        if (spec.type !== 'composite') continue;
        const rule = flatten(alarmOf(spec.id).AlarmRule);
        const members = [...rule.matchAll(/ALARM\("GetAtt:([A-Za-z0-9]+)\.Arn"\)/g)].map((m) => m[1]);
        expect(rule).toMatch(/^\(?ALARM\(.*\) AND ALARM\(.*\)\)?$/);
        expect(members.sort()).toEqual(
          spec.allOf.map((member) => logicalId(nested.alarms.get(member)!)).sort(),
        );
        for (const member of members) expect(Object.keys(alarms)).toContain(member);
        expect(alarmOf(spec.id).AlarmActions).toEqual([topic]);
      }
    });

    it.each(entries.map(([name]) => [name] as const))(
      '%s has an error-rate alarm (errors / invocations, with a minimum count) and a throttles alarm',
      (name) => {
        const fn = ref(stack.functions.get(name)!.function);
        const dimension = [{ Name: 'FunctionName', Value: fn }];
        const id = model.find((a) => a.kind === 'functionErrorRate' && a.watches.includes(` ${name}:`))!.id;
        expect(metricsOf(id)).toEqual(
          expect.arrayContaining([
            { namespace: 'AWS/Lambda', name: 'Invocations', dimensions: dimension },
            { namespace: 'AWS/Lambda', name: 'Errors', dimensions: dimension },
          ]),
        );
        const expression = (alarmOf(id).Metrics as { Expression?: string }[]).find(
          (m) => m.Expression,
        )?.Expression;
        expect(expression).toMatch(/^IF\(invocations >= \d+, 100 \* errors \/ invocations, 0\)$/);
        const throttles = model.find(
          (a) => a.kind === 'functionThrottles' && a.watches.includes(` ${name}:`),
        )!.id;
        expect(metricsOf(throttles)).toEqual([
          { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: dimension },
        ]);
      },
    );

    it.each(consumers.map(([name, spec]) => [name, spec] as const))(
      '%s has a DLQ alarm, a queue-age alarm over visibility × receives, and a stuck composite',
      (name, spec) => {
        const consumer = stack.consumers.get(name)!;
        const queueName = (queue: Parameters<typeof getAtt>[0]) => [
          { Name: 'QueueName', Value: getAtt(queue, 'QueueName') },
        ];
        const dlq = model.find((a) => a.type === 'metric' && a.dlqQueue === name)!;
        expect(metricsOf(dlq.id)).toEqual([
          {
            namespace: 'AWS/SQS',
            name: 'ApproximateNumberOfMessagesVisible',
            dimensions: queueName(consumer.deadLetterQueue),
          },
        ]);
        const age = model.find((a) => a.kind === 'queueAge' && a.watches.includes(` ${name}:`))!;
        expect(metricsOf(age.id)).toEqual([
          {
            namespace: 'AWS/SQS',
            name: 'ApproximateAgeOfOldestMessage',
            dimensions: queueName(consumer.queue),
          },
        ]);
        expect(alarmOf(age.id).Threshold).toBe(queueAgeBoundSeconds(spec.consumer!));
        expect(
          model.some((a) => a.type === 'composite' && a.allOf.includes(age.id) && a.kind === 'consumerStuck'),
        ).toBe(true);
      },
    );

    it.each(streams.map(([name]) => [name] as const))(
      '%s (a stream reader) has alarms on its failure queue, iterator age and unpublishable events',
      (name) => {
        const subscription = stack.streamSubscriptions.get(name)!;
        const failures = model.find((a) => a.type === 'metric' && a.dlqQueue === `${name}-stream-failures`)!;
        expect(metricsOf(failures.id)[0]?.dimensions).toEqual([
          { Name: 'QueueName', Value: getAtt(subscription.failureQueue, 'QueueName') },
        ]);
        const iterator = model.find(
          (a) => a.kind === 'streamIteratorAge' && a.watches.includes(` ${name}:`),
        )!;
        expect(metricsOf(iterator.id)).toEqual([
          {
            namespace: 'AWS/Lambda',
            name: 'IteratorAge',
            dimensions: [{ Name: 'FunctionName', Value: ref(stack.functions.get(name)!.function) }],
          },
        ]);
        const unpublishable = model.find(
          (a) => a.kind === 'unpublishableEvents' && a.watches.includes(name),
        )!;
        expect(metricsOf(unpublishable.id)).toEqual([
          {
            namespace: 'Storeline',
            name: 'UnpublishableEvents',
            dimensions: [{ Name: 'service', Value: `${t.service}-${name}` }],
          },
        ]);
      },
    );

    it('alarms on the API 5xx rate and p99 latency, the table, the scheduler and the business signals', () => {
      const byKind = (kind: string) => model.filter((a) => a.kind === kind).map((a) => a.id);
      const [rate] = byKind('api5xxRate');
      expect(metricsOf(rate!).map((m) => m.name)).toEqual(expect.arrayContaining(['Count', '5xx']));
      expect(
        metricsOf(rate!).every(
          (m) =>
            JSON.stringify(m.dimensions) === JSON.stringify([{ Name: 'ApiId', Value: ref(stack.http.api) }]),
        ),
      ).toBe(true);
      const [latency] = byKind('apiLatency');
      expect(alarmOf(latency!)).toMatchObject({ MetricName: 'Latency', ExtendedStatistic: 'p99' });
      for (const kind of ['tableThrottles', 'tableSystemErrors']) {
        const metrics = metricsOf(byKind(kind)[0]!);
        expect(metrics.length).toBeGreaterThan(1);
        expect(metrics.length).toBeLessThanOrEqual(10);
        for (const m of metrics) {
          expect(m.namespace).toBe('AWS/DynamoDB');
          expect(m.dimensions).toEqual(
            expect.arrayContaining([
              { Name: 'TableName', Value: ref(stack.table) },
              expect.objectContaining({ Name: 'Operation' }),
            ]),
          );
        }
      }
      expect(
        byKind('schedulerFailures')
          .flatMap((id) => metricsOf(id).map((m) => m.name))
          .sort(),
      ).toEqual(scheduled.length > 0 ? ['InvocationDroppedCount', 'TargetErrorCount'] : []);
      expect(metricsOf(byKind('slaBreaches')[0]!)).toEqual([
        {
          namespace: 'Storeline',
          name: 'SlaBreaches',
          dimensions: [{ Name: 'service', Value: 'storeline' }],
        },
      ]);
      expect(metricsOf(byKind('webhookSignatureFailures')[0]!)).toEqual([
        {
          namespace: 'Storeline',
          name: 'WebhooksRefused',
          dimensions: expect.arrayContaining([{ Name: 'reason', Value: 'signature' }]),
        },
      ]);
    });
  });

  describe('dashboard', () => {
    it('is one dashboard, named after the stack', () => {
      expect(otherDashboards).toEqual([]);
      expect(dashboard!.Properties.DashboardName).toBe(`${stack.stackName}-operations`);
    });

    it('stays within CloudWatch’s dashboard quotas (500 widgets, 2,500 metrics)', () => {
      const metrics = allSeries.length;
      console.info(`dashboard (${_label}): ${widgets.length} widgets, ${metrics} series`);
      expect(widgets.length).toBeLessThanOrEqual(500);
      expect(metrics).toBeLessThanOrEqual(2500);
    });

    it.each(entries.map(([name]) => [name] as const))(
      '%s has invocations, errors, throttles, concurrency and duration',
      (name) => {
        const fn = `Ref:${logicalId(stack.functions.get(name)!.function)}`;
        for (const metric of ['Invocations', 'Errors', 'Throttles', 'ConcurrentExecutions', 'Duration']) {
          expect(seriesOf('AWS/Lambda', metric, fn).length, metric).toBeGreaterThan(0);
        }
      },
    );

    it.each(consumers.map(([name]) => [name] as const))(
      '%s has its queue depth, oldest age and DLQ depth',
      (name) => {
        const consumer = stack.consumers.get(name)!;
        const queue = `GetAtt:${logicalId(consumer.queue)}.QueueName`;
        const dlq = `GetAtt:${logicalId(consumer.deadLetterQueue)}.QueueName`;
        expect(seriesOf('AWS/SQS', 'ApproximateNumberOfMessagesVisible', queue).length).toBeGreaterThan(0);
        expect(seriesOf('AWS/SQS', 'ApproximateAgeOfOldestMessage', queue).length).toBeGreaterThan(0);
        expect(seriesOf('AWS/SQS', 'ApproximateNumberOfMessagesVisible', dlq).length).toBeGreaterThan(0);
      },
    );

    it('has each stream reader’s iterator age and failure queue, the table, the scheduler and the API', () => {
      for (const [name] of streams) {
        const fn = `Ref:${logicalId(stack.functions.get(name)!.function)}`;
        expect(seriesOf('AWS/Lambda', 'IteratorAge', fn).length).toBeGreaterThan(0);
        const failures = `GetAtt:${logicalId(stack.streamSubscriptions.get(name)!.failureQueue)}.QueueName`;
        expect(seriesOf('AWS/SQS', 'ApproximateNumberOfMessagesVisible', failures).length).toBeGreaterThan(0);
      }
      const table = `Ref:${logicalId(stack.table)}`;
      for (const metric of [
        'ConsumedReadCapacityUnits',
        'ConsumedWriteCapacityUnits',
        'ThrottledRequests',
        'ConditionalCheckFailedRequests',
        'TransactionConflict',
        'SystemErrors',
      ]) {
        expect(seriesOf('AWS/DynamoDB', metric, table).length, metric).toBeGreaterThan(0);
      }
      for (const metric of ['InvocationAttemptCount', 'TargetErrorCount', 'InvocationDroppedCount']) {
        expect(seriesOf('AWS/Scheduler', metric).length, metric).toBeGreaterThan(0);
      }
      const api = `Ref:${logicalId(stack.http.api)}`;
      for (const metric of ['Count', '4xx', '5xx', 'Latency']) {
        expect(seriesOf('AWS/ApiGateway', metric, api).length, metric).toBeGreaterThan(0);
      }
    });

    it('has a widget per route group: its function’s requests and latency, its handler’s 4xx/5xx', () => {
      for (const [name, spec] of entries) {
        if (Object.keys(spec.routes ?? {}).length === 0) continue;
        const widget = widgets.find((w) => w.properties.title?.startsWith(`${name} routes:`));
        expect(widget, name).toBeDefined();
        const body = JSON.stringify(widget);
        expect(body).toContain(`Ref:${logicalId(stack.functions.get(name)!.function)}`);
        expect(body).toContain(`service=\\"${t.service}-${name}\\"`);
      }
    });

    it('has every business metric in namespace Storeline, service storeline, by breakdown', () => {
      for (const [metric, spec] of Object.entries(businessMetrics)) {
        const series = seriesOf('Storeline', metric);
        expect(series.length, metric).toBeGreaterThan(0);
        for (const s of series) {
          const dimensions = s.slice(2).filter((part) => typeof part === 'string');
          expect(dimensions[dimensions.indexOf('service') + 1], metric).toBe('storeline');
        }
        if ('dimension' in spec) {
          for (const value of spec.dimension.values)
            expect(seriesOf('Storeline', metric, value).length).toBe(1);
        }
      }
    });

    it('computes the cost of orders with metric math from OrdersPlaced and the bench’s unit costs', () => {
      const model = orderCostWidget();
      const widget = widgets.find((w) => w.properties.title === model.title)!;
      const expressions = widget.properties.metrics!.flatMap((s) =>
        s.length === 1 && typeof s[0] === 'object' && 'expression' in s[0] ? [String(s[0].expression)] : [],
      );
      for (const usd of Object.values(orderUnitCosts.usdPerMillionOrders)) {
        expect(expressions).toContain(`orders * ${usd} / 1000000`);
      }
      expect(JSON.stringify(widget)).toContain('"Storeline","OrdersPlaced","service","storeline"');
    });
  });
});
