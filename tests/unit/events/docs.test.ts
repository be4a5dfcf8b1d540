import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { type EventType, eventCatalogue } from '#events/catalog.ts';
import { eventDescriptions } from '#events/descriptions.ts';
import { topology } from '#infra/topology.ts';
import { consumersOf, EVENT_DOCS_PATH, emitterOf, renderEventDocs } from '#scripts/event-docs.ts';
import type { Consumer } from '#shared/consumer.ts';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'unit-table';
  process.env.EVENT_SOURCE = 'storeline.unit';
});

const consumers = Object.entries(topology.functions).flatMap(([name, fn]) =>
  'consumer' in fn ? [{ name, entry: fn.entry, spec: fn.consumer }] : [],
);

describe('docs/events.md', () => {
  it('is what the catalogue and the topology say (else: node scripts/gen-event-docs.ts)', () => {
    const committed = readFileSync(
      fileURLToPath(new URL(`../../../${EVENT_DOCS_PATH}`, import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(renderEventDocs(eventCatalogue, topology, eventDescriptions));
  });

  it('names the emitter and the consumers of each event', () => {
    expect(emitterOf(topology, 'storeline.fulfilment')).toBe('fulfilment');
    expect(emitterOf(topology, 'storeline.nobody')).toBeUndefined();
    expect(consumersOf(topology, 'OrderPlaced', 'storeline.orders')).toEqual(
      expect.arrayContaining(['fulfilment', 'salesReports']),
    );
  });
});

describe('Topology: consumer subscriptions', () => {
  it.each(consumers)('$name subscribes to catalogue events, each from its own source', ({ spec }) => {
    for (const { source, detailTypes } of spec.events) {
      for (const type of detailTypes) {
        expect(Object.keys(eventCatalogue)).toContain(type);
        expect(eventCatalogue[type as EventType].source).toBe(source);
      }
    }
  });

  it.each(consumers)(
    '$name handles exactly the detail-types its rule delivers',
    async ({ name, entry, spec }) => {
      const module: Record<string, unknown> = await import(`../../../${entry}`);
      const built = Object.values(module).find(
        (value): value is Consumer =>
          typeof value === 'object' && value !== null && 'eventTypes' in value && 'name' in value,
      );
      expect(built?.name, `${entry} exports its consumer, named as in the topology`).toBe(name);
      expect([...(built?.eventTypes ?? [])].sort()).toEqual(spec.events.flatMap((e) => e.detailTypes).sort());
      expect(module.handler).toBe(built?.handler);
    },
  );
});
