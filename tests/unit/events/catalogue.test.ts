import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { eventCatalogue } from '#events/catalog.ts';
import {
  breakingChanges,
  catalogueSnapshot,
  formatChanges,
  isSchema,
  jsonSchemaOf,
  snapshotKey,
} from '#scripts/event-compat.ts';
import type { Catalogue } from '#shared/events/catalogue.ts';

const samplesDir = fileURLToPath(new URL('../../../events/samples/', import.meta.url));
const snapshotPath = fileURLToPath(new URL('../../../events/schemas.snapshot.json', import.meta.url));
const catalogue: Catalogue = eventCatalogue;
/** Every published (type, version), oldest first. */
const versions = Object.entries(catalogue).flatMap(([type, entry]) =>
  entry.versions.map((v) => [`${type}.v${v.version}`, { type, ...v }] as const),
);

/** `OrderPlaced.v1.json`, `OrderPlaced.v1.with-coupon.json` → type, version. */
const SAMPLE_NAME = /^([A-Z][A-Za-z]+)\.v(\d+)(?:\.[a-z0-9-]+)?\.json$/;
const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => {
    const match = SAMPLE_NAME.exec(file);
    return {
      file,
      type: match?.[1] ?? '',
      version: Number(match?.[2]),
      json: JSON.parse(readFileSync(`${samplesDir}${file}`, 'utf8')) as unknown,
    };
  });

const recorded = (() => {
  const json: unknown = JSON.parse(readFileSync(snapshotPath, 'utf8'));
  return isSchema(json) ? json : {};
})();

describe('Event catalogue: samples', () => {
  it.each(versions)('%s has a sample', (key) => {
    expect(samples.map((s) => s.file)).toContain(`${key}.json`);
  });

  it.each(samples.map((s) => [s.file, s] as const))('%s is accepted by its schema', (_file, sample) => {
    expect(SAMPLE_NAME.test(sample.file), 'named <Type>.v<version>[.<variant>].json').toBe(true);
    const entry = catalogue[sample.type];
    expect(entry, `${sample.type} is in the catalogue`).toBeDefined();
    const version = entry?.versions.find((v) => v.version === sample.version);
    expect(version, 'a sample of a version in the catalogue').toBeDefined();
    const parsed = version?.schema.safeParse(sample.json);
    expect(parsed?.success, parsed?.error ? z.prettifyError(parsed.error) : '').toBe(true);
    expect(sample.json).toMatchObject({ type: sample.type, version: sample.version, source: entry?.source });
  });
});

describe('Event catalogue: compatibility with published versions', () => {
  it.each(versions)('%s keeps every recorded field, type and optionality', (_key, version) => {
    const key = snapshotKey(version.type, version.version);
    const before = recorded[key];
    expect(before, `${key} is recorded: run node scripts/update-event-schemas.ts`).toBeDefined();
    const changes = breakingChanges(isSchema(before) ? before : {}, jsonSchemaOf(version.schema));
    expect(changes, `${key} changed incompatibly; publish a new version:\n${formatChanges(changes)}`).toEqual(
      [],
    );
  });

  it('has the current schemas recorded (additive changes too: node scripts/update-event-schemas.ts)', () => {
    const current = catalogueSnapshot(catalogue);
    for (const [key, schema] of Object.entries(current)) expect(recorded[key], key).toEqual(schema);
  });

  it('keeps every recorded detail-type in the catalogue (events of it may still be in flight)', () => {
    const types = new Set(Object.keys(recorded).map((key) => key.replace(/\.v\d+$/, '')));
    for (const type of types) expect(Object.keys(catalogue), type).toContain(type);
  });
});

describe('Function: breakingChanges', () => {
  const v1 = z.object({
    id: z.string(),
    qty: z.int().min(1),
    channel: z.enum(['web', 'phone']),
    note: z.string().optional(),
    lines: z.array(z.object({ sku: z.string() })),
  });
  const kinds = (next: z.ZodType) =>
    breakingChanges(jsonSchemaOf(v1), jsonSchemaOf(next)).map((c) => `${c.path} ${c.kind}`);

  it('accepts an unchanged schema, a new optional field and a new enum value', () => {
    expect(kinds(v1)).toEqual([]);
    expect(
      kinds(v1.extend({ extra: z.string().optional(), channel: z.enum(['web', 'phone', 'email']) })),
    ).toEqual([]);
  });

  it('flags a removed field', () => {
    expect(kinds(v1.omit({ note: true }))).toEqual(['note removed']);
  });

  it('flags a retyped field, nested ones too', () => {
    expect(kinds(v1.extend({ qty: z.string() }))).toEqual(['qty retyped']);
    expect(kinds(v1.extend({ lines: z.array(z.object({ sku: z.number() })) }))).toEqual([
      'lines[].sku retyped',
    ]);
  });

  it('flags a field made required, and a new required field', () => {
    expect(kinds(v1.extend({ note: z.string() }))).toEqual(['note required']);
    expect(kinds(v1.extend({ added: z.string() }))).toEqual(['added required']);
  });

  it('flags a dropped enum value and a tightened constraint', () => {
    expect(kinds(v1.extend({ channel: z.enum(['web']) }))).toEqual(['channel enum-narrowed']);
    expect(kinds(v1.extend({ qty: z.int().min(2) }))).toEqual(['qty constraint-tightened']);
  });
});
