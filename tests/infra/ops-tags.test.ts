/**
 * Infra tier: the tags `npm run dlq`/`npm run replay --stack` find queues by (infra/ops/tags.ts).
 * For every consumer in Storeline's topology, its queue says whose queue it is and which bus its
 * rules are on, its DLQ says whose DLQ it is; every stream function's failure queue says so too.
 * Tags are queue properties: no resource is added for them.
 */
import { describe, expect, it } from 'vitest';
import { OPS_TAG } from '#infra/ops/tags.ts';
import { functionEntries } from '#infra/topology.ts';
import { logicalId, ref, resource, synthesize } from './helpers.ts';

const { stack, template } = synthesize();
const entries = functionEntries(stack.topology);

const tagsOf = (construct: Parameters<typeof logicalId>[0]): Record<string, unknown> =>
  Object.fromEntries(
    (
      (resource(template, logicalId(construct)).Properties.Tags ?? []) as { Key: string; Value: unknown }[]
    ).map((t) => [t.Key, t.Value]),
  );

describe('queues tagged for the operations commands', () => {
  const consumers = entries.filter(([, spec]) => spec.consumer);
  const streams = entries.filter(([, spec]) => spec.stream);

  it('covers every consumer and stream function of the topology', () => {
    expect(consumers.length).toBeGreaterThan(0);
    expect(streams.length).toBeGreaterThan(0);
    expect([...stack.consumers.keys()].sort()).toEqual(consumers.map(([name]) => name).sort());
  });

  it.each(consumers.map(([name]) => name))('%s: its queue names it and the bus, its DLQ names it', (name) => {
    const consumer = stack.consumers.get(name)!;
    expect(tagsOf(consumer.queue)).toMatchObject({
      [OPS_TAG.function]: name,
      [OPS_TAG.role]: 'queue',
      [OPS_TAG.bus]: ref(stack.bus),
    });
    expect(tagsOf(consumer.deadLetterQueue)).toMatchObject({
      [OPS_TAG.function]: name,
      [OPS_TAG.role]: 'dead-letter',
    });
  });

  it.each(streams.map(([name]) => name))('%s: its stream failure queue names it', (name) => {
    expect(tagsOf(stack.streamSubscriptions.get(name)!.failureQueue)).toMatchObject({
      [OPS_TAG.function]: name,
      [OPS_TAG.role]: 'stream-failures',
    });
  });
});
