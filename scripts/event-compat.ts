/**
 * Schema compatibility for the event catalogue. Each published (detail-type, version) has its JSON
 * Schema recorded in `events/schemas.snapshot.json`; a change to the zod schema of a version
 * already published must keep accepting everything the recorded one accepted and keep every field
 * consumers read. `breakingChanges` compares a recorded schema with the current one and lists what
 * breaks: a field removed, retyped or made required, an enum value dropped, a constraint
 * tightened, an object closed. Adding optional fields or enum values is compatible; anything else
 * needs a new version.
 */
import * as z from 'zod';
import type { Catalogue } from '#shared/events/catalogue.ts';

export type JsonSchema = { readonly [key: string]: unknown };

export interface BreakingChange {
  /** Where, as a JSON path into the event (`data.lines[].sku`). */
  readonly path: string;
  readonly kind: 'removed' | 'retyped' | 'required' | 'enum-narrowed' | 'constraint-tightened' | 'closed';
  readonly detail: string;
}

/** The JSON Schema a catalogue schema is recorded as: what a producer may send. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
}

/** Snapshot key of a catalogue entry: `OrderPlaced.v1`. */
export const snapshotKey = (type: string, version: number): string => `${type}.v${version}`;

/** The snapshot of a whole catalogue, every version of every detail-type, keys sorted. */
export function catalogueSnapshot(catalogue: Catalogue): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(catalogue)
      .flatMap(([type, entry]) =>
        entry.versions.map((v) => [snapshotKey(type, v.version), jsonSchemaOf(v.schema)] as const),
      )
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const schemaAt = (value: unknown): JsonSchema => (isSchema(value) ? value : {});
const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const stable = (value: unknown): string => JSON.stringify(value);

/** Lower bounds may not rise, upper bounds may not fall. */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;

function compare(before: JsonSchema, after: JsonSchema, path: string, out: BreakingChange[]): void {
  const where = path || '(event)';
  if (stable(before.type) !== stable(after.type) && after.type !== undefined) {
    out.push({ path: where, kind: 'retyped', detail: `type ${stable(before.type)} → ${stable(after.type)}` });
    return;
  }
  if (after.const !== undefined && stable(before.const) !== stable(after.const)) {
    out.push({
      path: where,
      kind: 'retyped',
      detail: `const ${stable(before.const)} → ${stable(after.const)}`,
    });
  }
  if (Array.isArray(after.enum)) {
    const allowed = new Set(after.enum.map(stable));
    const dropped = Array.isArray(before.enum)
      ? before.enum.filter((v) => !allowed.has(stable(v)))
      : ['(any value)'];
    if (dropped.length) {
      out.push({
        path: where,
        kind: 'enum-narrowed',
        detail: `no longer accepts ${dropped.map(stable).join(', ')}`,
      });
    }
  }
  for (const key of ['pattern', 'format'] as const) {
    if (after[key] !== undefined && stable(before[key]) !== stable(after[key])) {
      out.push({
        path: where,
        kind: 'constraint-tightened',
        detail: `${key} ${stable(before[key])} → ${stable(after[key])}`,
      });
    }
  }
  for (const key of LOWER_BOUNDS) {
    const b = before[key];
    const a = after[key];
    if (typeof a === 'number' && (typeof b !== 'number' || a > b)) {
      out.push({ path: where, kind: 'constraint-tightened', detail: `${key} ${stable(b)} → ${a}` });
    }
  }
  for (const key of UPPER_BOUNDS) {
    const b = before[key];
    const a = after[key];
    if (typeof a === 'number' && (typeof b !== 'number' || a < b)) {
      out.push({ path: where, kind: 'constraint-tightened', detail: `${key} ${stable(b)} → ${a}` });
    }
  }
  if (after.additionalProperties === false && before.additionalProperties !== false) {
    out.push({ path: where, kind: 'closed', detail: 'no longer accepts unknown fields' });
  }

  const beforeProps = schemaAt(before.properties);
  const afterProps = schemaAt(after.properties);
  const beforeRequired = new Set(stringList(before.required));
  for (const name of stringList(after.required)) {
    if (!beforeRequired.has(name)) {
      out.push({
        path: `${path ? `${path}.` : ''}${name}`,
        kind: 'required',
        detail: name in beforeProps ? 'was optional, now required' : 'new field is required',
      });
    }
  }
  for (const [name, schema] of Object.entries(beforeProps)) {
    const child = `${path ? `${path}.` : ''}${name}`;
    if (!(name in afterProps)) {
      out.push({ path: child, kind: 'removed', detail: 'field no longer in the schema' });
      continue;
    }
    compare(schemaAt(schema), schemaAt(afterProps[name]), child, out);
  }
  if (isSchema(before.items) || isSchema(after.items)) {
    compare(schemaAt(before.items), schemaAt(after.items), `${path}[]`, out);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const b = before[key];
    const a = after[key];
    if (!Array.isArray(b) && !Array.isArray(a)) continue;
    // Every alternative accepted before must still be accepted by an alternative now.
    const afterAlternatives = Array.isArray(a) ? a.map(schemaAt) : [after];
    for (const alternative of Array.isArray(b) ? b.map(schemaAt) : [before]) {
      const kept = afterAlternatives.some((candidate) => {
        const issues: BreakingChange[] = [];
        compare(alternative, candidate, path, issues);
        return issues.length === 0;
      });
      if (!kept) {
        out.push({ path: where, kind: 'retyped', detail: `${key} no longer accepts ${stable(alternative)}` });
      }
    }
  }
}

/** What in `after` breaks producers or consumers written against `before`; empty when compatible. */
export function breakingChanges(before: JsonSchema, after: JsonSchema): BreakingChange[] {
  const out: BreakingChange[] = [];
  compare(before, after, '', out);
  return out;
}

export const formatChanges = (changes: readonly BreakingChange[]): string =>
  changes.map((c) => `  ${c.path}: ${c.kind} (${c.detail})`).join('\n');
