/**
 * Versioned event types, generically. A catalogue (`events/catalog.ts`) declares each detail-type
 * with `defineEvent`: its first version's envelope schema, then each later version with an upcaster
 * from the one before. Producers always emit the newest version (`emitter` in `../outbox.ts`);
 * consumers always receive it: `readEvent` parses an envelope with the schema of the version it
 * carries and upcasts it step by step (v1 → v2 → v3), so an old event still in a queue, a DLQ or
 * the archive stays readable after its consumer moved on. This module knows no concrete event.
 */
import type * as z from 'zod';
import type { EventEnvelope } from './envelope.ts';

type EnvelopeShape = Omit<(typeof EventEnvelope)['shape'], 'type' | 'version' | 'data'>;

/** The envelope schema of one version of one detail-type (see `envelopeOf`). */
export type VersionSchema = z.ZodObject<
  EnvelopeShape & { type: z.ZodLiteral<string>; version: z.ZodLiteral<number>; data: z.ZodType }
>;

/** The `data` a version's schema produces. */
export type DataOf<S extends VersionSchema> = z.output<S>['data'];

export interface EventVersion {
  readonly version: number;
  readonly schema: VersionSchema;
  /** This version's parsed `data` → the next version's `data` input; absent on the newest. */
  readonly upcast?: (data: unknown) => unknown;
}

export interface EventMeta {
  /** EventBridge `source`: `storeline.<context>`; the one context that emits it. */
  readonly source: string;
}

/** A detail-type with every version it ever had; `schema` and `version` are the newest. */
export interface EventDefinition<T extends string = string, S extends VersionSchema = VersionSchema>
  extends EventMeta {
  readonly type: T;
  readonly version: number;
  readonly schema: S;
  /** Oldest first; each but the newest carries the upcaster to the next. */
  readonly versions: readonly EventVersion[];
  /**
   * Publishes a new version. `upcast` turns the current newest version's `data` into the new one's,
   * so consumers written for the new version keep reading events emitted before it.
   */
  next<N extends VersionSchema & { shape: { type: z.ZodLiteral<T> } }>(
    schema: N,
    upcast: (previous: DataOf<S>) => z.input<N>['data'],
  ): EventDefinition<T, N>;
}

/** A catalogue: detail-type → its definition. */
export type Catalogue = { readonly [type: string]: EventDefinition };
export type EventName<C extends Catalogue> = keyof C & string;
/** The newest shape of an event, as emitted and as every consumer receives it. */
export type EventOf<C extends Catalogue, T extends EventName<C>> = z.output<C[T]['schema']>;
/** What a producer passes to `emit` for this detail-type (the newest version's input). */
export type EmitData<C extends Catalogue, T extends EventName<C>> = z.input<C[T]['schema']>['data'];

/** A message no consumer can apply (not an event, unknown type, data not matching its version). */
export class MalformedEventError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedEventError';
  }
}

/**
 * An event of a version this code does not know yet: emitted by a newer producer. It fails its
 * record (it reaches the DLQ after the queue's receives) and is redriven once the consumer knows it.
 */
export class UnknownEventVersionError extends MalformedEventError {
  readonly type: string;
  readonly version: number;
  readonly newestKnown: number;

  constructor(type: string, version: number, newestKnown: number) {
    super(
      `${type} v${version} is newer than this consumer knows (v${newestKnown}): deploy a consumer that knows it, then redrive the DLQ`,
    );
    this.name = 'UnknownEventVersionError';
    this.type = type;
    this.version = version;
    this.newestKnown = newestKnown;
  }
}

function literalOf(schema: VersionSchema): { type: string; version: number } {
  return { type: schema.shape.type.value, version: schema.shape.version.value };
}

function definition<T extends string, S extends VersionSchema>(
  type: T,
  meta: EventMeta,
  versions: readonly EventVersion[],
): EventDefinition<T, S> {
  const newest = versions.at(-1)!;
  return {
    type,
    source: meta.source,
    version: newest.version,
    schema: newest.schema as S,
    versions,
    next(schema, upcast) {
      const next = literalOf(schema);
      if (next.type !== type || next.version !== newest.version + 1) {
        throw new Error(
          `${type}: v${newest.version} is followed by v${newest.version + 1}, not ${next.type} v${next.version}`,
        );
      }
      return definition(type, meta, [
        ...versions.slice(0, -1),
        { ...newest, upcast: upcast as (data: unknown) => unknown },
        { version: next.version, schema },
      ]);
    },
  };
}

/** Declares a detail-type by its first version's envelope schema (`envelopeOf(type, 1, data)`). */
export function defineEvent<S extends VersionSchema>(
  first: S,
  meta: EventMeta,
): EventDefinition<z.output<S['shape']['type']> & string, S> {
  const { type, version } = literalOf(first);
  if (version !== 1) throw new Error(`${type}: the first version is 1, not ${version}`);
  return definition(type as z.output<S['shape']['type']> & string, meta, [{ version, schema: first }]);
}

/**
 * Reads an envelope of any known version of its detail-type in the newest shape: parsed with its own
 * version's schema, then upcast one version at a time. Throws `UnknownEventVersionError` for a
 * version newer than the catalogue's, `MalformedEventError` for anything else it cannot read.
 */
export function readEvent<C extends Catalogue>(
  catalogue: C,
  envelope: EventEnvelope,
): EventOf<C, EventName<C>> {
  if (!Object.hasOwn(catalogue, envelope.type)) {
    throw new MalformedEventError(`Unknown event type ${envelope.type}`);
  }
  const entry = catalogue[envelope.type] as EventDefinition;
  if (envelope.version > entry.version) {
    throw new UnknownEventVersionError(envelope.type, envelope.version, entry.version);
  }
  const start = entry.versions.findIndex((v) => v.version === envelope.version);
  if (start < 0) throw new MalformedEventError(`${envelope.type} has no version ${envelope.version}`);
  let current = parseVersion(entry.versions[start]!, envelope);
  for (let i = start; i < entry.versions.length - 1; i++) {
    const from = entry.versions[i]!;
    const to = entry.versions[i + 1]!;
    current = parseVersion(to, { ...current, version: to.version, data: from.upcast!(current.data) });
  }
  return current as EventOf<C, EventName<C>>;
}

function parseVersion(version: EventVersion, envelope: unknown): z.output<VersionSchema> {
  const parsed = version.schema.safeParse(envelope);
  if (!parsed.success) {
    const type = (envelope as { type?: unknown }).type;
    throw new MalformedEventError(
      `${String(type)} does not match its v${version.version} schema: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
