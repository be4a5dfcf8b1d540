/**
 * What CloudWatch would hold for the local runtime, in memory and bounded: the EMF metric documents
 * the handlers print (Powertools Metrics, on as in production), their JSON log lines, and the
 * series AWS records by itself — API Gateway requests and latency, Lambda invocations, errors,
 * duration and concurrency, SQS depths and ages, stream failures, scheduler firings. The ops page
 * (`/_local/ops`, `ops-page.ts`) reads the dashboard's symbolic `MetricSource`s from here.
 *
 * Bounds: metrics live in 10 s buckets for an hour (older buckets are dropped as new ones start),
 * at most `MAX_SERIES` series, and at most `MAX_SAMPLES` raw values per series and bucket for
 * percentiles; logs are a ring buffer of `LOG_CAPACITY` lines.
 */
import { BUSINESS_SERVICE, businessMetrics, METRICS_NAMESPACE } from '#shared/business-metrics.ts';
import type { MetricRef, MetricSource, MetricStat } from '../topology/dashboard.ts';

export const BUCKET_MS = 10_000;
export const RETENTION_MS = 60 * 60_000;
export const MAX_SERIES = 5_000;
export const MAX_SAMPLES = 200;
export const LOG_CAPACITY = 5_000;

interface Bucket {
  sum: number;
  count: number;
  min: number;
  max: number;
  samples: number[];
}

/** Dimensions of a series, as `name=value` pairs. */
export type Dimensions = Readonly<Record<string, string>>;

interface Series {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Dimensions;
  readonly buckets: Map<number, Bucket>;
}

const seriesKey = (namespace: string, name: string, dimensions: Dimensions): string =>
  `${namespace}|${name}|${Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;

/** Percentile `p` (0–100) of values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/** Time-bucketed metric series, bounded in time, in series count and in samples. */
export class MetricStore {
  private readonly series = new Map<string, Series>();
  /** Series refused because the store was full (shown on the ops page). */
  dropped = 0;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  put(namespace: string, name: string, dimensions: Dimensions, value: number, at = this.now()): void {
    if (!Number.isFinite(value)) return;
    const key = seriesKey(namespace, name, dimensions);
    let series = this.series.get(key);
    if (!series) {
      if (this.series.size >= MAX_SERIES) {
        this.dropped++;
        return;
      }
      series = { namespace, name, dimensions: { ...dimensions }, buckets: new Map() };
      this.series.set(key, series);
    }
    const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    let bucket = series.buckets.get(start);
    if (!bucket) {
      bucket = { sum: 0, count: 0, min: value, max: value, samples: [] };
      series.buckets.set(start, bucket);
      const oldest = start - RETENTION_MS;
      for (const t of series.buckets.keys()) if (t <= oldest) series.buckets.delete(t);
    }
    bucket.sum += value;
    bucket.count++;
    bucket.min = Math.min(bucket.min, value);
    bucket.max = Math.max(bucket.max, value);
    // Reservoir sampling keeps percentiles honest once a bucket has more values than it keeps.
    if (bucket.samples.length < MAX_SAMPLES) bucket.samples.push(value);
    else {
      const slot = Math.floor(Math.random() * bucket.count);
      if (slot < MAX_SAMPLES) bucket.samples[slot] = value;
    }
  }

  /** Series of `namespace`/`name` whose dimensions include every pair of `match`. */
  find(namespace: string, name: string, match: Dimensions = {}): Series[] {
    return [...this.series.values()].filter(
      (s) =>
        s.namespace === namespace &&
        s.name === name &&
        Object.entries(match).every(([k, v]) => s.dimensions[k] === v),
    );
  }

  /** The series with exactly these dimensions, if recorded. */
  exact(namespace: string, name: string, dimensions: Dimensions): Series | undefined {
    return this.series.get(seriesKey(namespace, name, dimensions));
  }

  get size(): number {
    return this.series.size;
  }

  /**
   * One value per bucket from `from` to now for `stat`, the buckets of every series merged as
   * CloudWatch merges a metric's datapoints; buckets without data are null (a gap, not a zero).
   */
  points(series: readonly Series[], stat: MetricStat, from: number): (number | null)[] {
    const first = Math.floor(from / BUCKET_MS) * BUCKET_MS;
    const last = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const out: (number | null)[] = [];
    for (let t = first; t <= last; t += BUCKET_MS) {
      const buckets = series.flatMap((s) => {
        const b = s.buckets.get(t);
        return b ? [b] : [];
      });
      out.push(buckets.length === 0 ? null : statOf(buckets, stat));
    }
    return out;
  }
}

function statOf(buckets: readonly Bucket[], stat: MetricStat): number {
  switch (stat) {
    case 'Sum':
      return buckets.reduce((a, b) => a + b.sum, 0);
    case 'SampleCount':
      return buckets.reduce((a, b) => a + b.count, 0);
    case 'Average': {
      const count = buckets.reduce((a, b) => a + b.count, 0);
      return count === 0 ? 0 : buckets.reduce((a, b) => a + b.sum, 0) / count;
    }
    case 'Maximum':
      return Math.max(...buckets.map((b) => b.max));
    case 'Minimum':
      return Math.min(...buckets.map((b) => b.min));
    default:
      return percentile(
        buckets.flatMap((b) => b.samples),
        Number(stat.slice(1)),
      );
  }
}

/** One captured log line: the handler's JSON object and the function that wrote it. */
export interface CapturedLog {
  readonly function: string;
  readonly line: Record<string, unknown>;
}

/** A ring buffer of the newest `capacity` log lines. */
export class LogBuffer {
  private readonly lines: CapturedLog[] = [];
  private next = 0;
  private readonly capacity: number;
  constructor(capacity = LOG_CAPACITY) {
    this.capacity = capacity;
  }

  push(entry: CapturedLog): void {
    if (this.lines.length < this.capacity) this.lines.push(entry);
    else this.lines[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Lines oldest first. */
  all(): CapturedLog[] {
    return this.lines.length < this.capacity
      ? [...this.lines]
      : [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
  }

  /** Matching lines, newest last, at most `limit` (the newest ones). */
  query(filter: { correlationId?: string; service?: string; limit?: number }): CapturedLog[] {
    const matches = this.all().filter(
      ({ line }) =>
        (filter.correlationId === undefined || correlationIdOf(line) === filter.correlationId) &&
        (filter.service === undefined || line.service === filter.service),
    );
    return matches.slice(-(filter.limit ?? matches.length));
  }
}

/** The correlation id of a Powertools log line (`correlation_id`) or of one naming it otherwise. */
export function correlationIdOf(line: Record<string, unknown>): string | undefined {
  const value = line.correlation_id ?? line.correlationId;
  return typeof value === 'string' ? value : undefined;
}

/** The CloudWatch Embedded Metric Format directive of a document, if it is one. */
interface EmfDirective {
  readonly Namespace: string;
  readonly Dimensions: readonly (readonly string[])[];
  readonly Metrics: readonly { readonly Name: string }[];
}

export function emfDirectives(doc: Record<string, unknown>): EmfDirective[] | undefined {
  const aws = doc._aws;
  if (typeof aws !== 'object' || aws === null) return undefined;
  const directives = (aws as { CloudWatchMetrics?: unknown }).CloudWatchMetrics;
  return Array.isArray(directives) ? (directives as EmfDirective[]) : undefined;
}

/** Namespace of the series the runtime records itself, as AWS does (not a CloudWatch namespace). */
const LOCAL = 'local';

export type OutputKind = 'metrics' | 'log' | 'other';

export interface ApiRequestRecord {
  readonly routeGroup?: string | undefined;
  readonly status: number;
  readonly latencyMs: number;
}

/** Which of the dashboard's sources the local runtime cannot measure, and why (shown on the page). */
export function notMeasuredLocally(source: MetricSource): string | undefined {
  if (source.kind === 'table')
    return 'DynamoDB Local reports no consumed capacity, throttles, conflicts or system errors';
  if (source.kind === 'lambda' && source.metric === 'Throttles')
    return 'the local host queues invocations beyond its concurrency instead of throttling them';
  if (source.kind === 'lambda' && source.metric === 'IteratorAge')
    return 'the local stream poller does not track iterator age';
  return undefined;
}

export class LocalTelemetry {
  readonly metrics: MetricStore;
  readonly logs: LogBuffer;
  private readonly now: () => number;
  private readonly concurrent = new Map<string, number>();

  constructor(options: { now?: () => number; logCapacity?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.metrics = new MetricStore(this.now);
    this.logs = new LogBuffer(options.logCapacity);
  }

  /**
   * Takes one line a function wrote to stdout or stderr: an EMF document goes to the metric store,
   * a JSON log line to the log buffer; anything else is `other` (printed by the caller as before).
   */
  capture(functionName: string, text: string): OutputKind {
    const trimmed = text.trim();
    if (!trimmed.startsWith('{')) return 'other';
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      return 'other';
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'other';
    const record = doc as Record<string, unknown>;
    const directives = emfDirectives(record);
    if (directives) {
      this.ingestEmf(record, directives);
      return 'metrics';
    }
    this.logs.push({ function: functionName, line: record });
    return 'log';
  }

  private ingestEmf(doc: Record<string, unknown>, directives: readonly EmfDirective[]): void {
    const timestamp = (doc._aws as { Timestamp?: unknown }).Timestamp;
    const at = typeof timestamp === 'number' ? timestamp : this.now();
    for (const directive of directives) {
      // Each dimension set is its own series in CloudWatch; an empty set is the metric alone.
      const sets = directive.Dimensions?.length ? directive.Dimensions : [[]];
      for (const set of sets) {
        const dimensions: Record<string, string> = {};
        for (const name of set) dimensions[name] = String(doc[name] ?? '');
        for (const { Name } of directive.Metrics ?? []) {
          const raw = doc[Name];
          const values = Array.isArray(raw) ? raw : [raw];
          for (const value of values)
            if (typeof value === 'number') this.metrics.put(directive.Namespace, Name, dimensions, value, at);
        }
      }
    }
  }

  /** An HTTP API request, overall and for the route group (the function) that served it. */
  apiRequest({ routeGroup, status, latencyMs }: ApiRequestRecord): void {
    const groups: Dimensions[] = routeGroup ? [{}, { routeGroup }] : [{}];
    for (const dims of groups) {
      this.metrics.put(LOCAL, 'api.Count', dims, 1);
      this.metrics.put(LOCAL, 'api.4xx', dims, status >= 400 && status < 500 ? 1 : 0);
      this.metrics.put(LOCAL, 'api.5xx', dims, status >= 500 ? 1 : 0);
      this.metrics.put(LOCAL, 'api.Latency', dims, latencyMs);
    }
  }

  /** A function invocation starts: counts it and its concurrency. */
  invocationStarted(functionName: string): void {
    const running = (this.concurrent.get(functionName) ?? 0) + 1;
    this.concurrent.set(functionName, running);
    this.metrics.put(LOCAL, 'lambda.Invocations', { function: functionName }, 1);
    this.metrics.put(LOCAL, 'lambda.ConcurrentExecutions', { function: functionName }, running);
  }

  /** A function invocation ends, failed or not, after `durationMs`. */
  invocationEnded(functionName: string, durationMs: number, failed: boolean): void {
    this.concurrent.set(functionName, Math.max(0, (this.concurrent.get(functionName) ?? 1) - 1));
    this.metrics.put(LOCAL, 'lambda.Errors', { function: functionName }, failed ? 1 : 0);
    this.metrics.put(LOCAL, 'lambda.Duration', { function: functionName }, durationMs);
  }

  /** A queue's depth and oldest age now (sampled by the runtime, as SQS reports them per minute). */
  queueSample(functionName: string, role: 'queue' | 'dlq' | 'streamFailures', visible: number, ageS = 0) {
    this.metrics.put(
      LOCAL,
      'queue.ApproximateNumberOfMessagesVisible',
      { function: functionName, role },
      visible,
    );
    this.metrics.put(LOCAL, 'queue.ApproximateAgeOfOldestMessage', { function: functionName, role }, ageS);
  }

  /** A scheduler firing: an attempt, and whether its target failed or it was dropped. */
  schedulerFiring(outcome: 'invoked' | 'failed' | 'dropped'): void {
    this.metrics.put(LOCAL, 'scheduler.InvocationAttemptCount', {}, 1);
    this.metrics.put(LOCAL, 'scheduler.TargetErrorCount', {}, outcome === 'failed' ? 1 : 0);
    this.metrics.put(LOCAL, 'scheduler.InvocationDroppedCount', {}, outcome === 'dropped' ? 1 : 0);
  }

  /** The series behind a dashboard source (several for a business metric recorded by many functions). */
  seriesOf(source: MetricSource): ReturnType<MetricStore['find']> {
    switch (source.kind) {
      case 'api': {
        const s = this.metrics.exact(
          LOCAL,
          `api.${source.metric}`,
          source.routeGroup ? { routeGroup: source.routeGroup } : {},
        );
        return s ? [s] : [];
      }
      case 'lambda':
        return this.metrics.find(LOCAL, `lambda.${source.metric}`, { function: source.function });
      case 'queue':
        return this.metrics.find(LOCAL, `queue.${source.metric}`, {
          function: source.function,
          role: source.role,
        });
      case 'scheduler':
        return this.metrics.find(LOCAL, `scheduler.${source.metric}`);
      case 'table':
        return [];
      case 'business': {
        const breakdown = businessMetrics[source.metric] as { dimension?: { name: string } };
        return this.metrics.find(METRICS_NAMESPACE, source.metric, {
          service: BUSINESS_SERVICE,
          ...(source.value !== undefined && breakdown.dimension
            ? { [breakdown.dimension.name]: source.value }
            : {}),
        });
      }
    }
  }

  /** A dashboard metric over the last `windowMs`: one value per bucket, null where nothing was recorded. */
  read(ref: MetricRef, windowMs: number): MetricReading {
    const reason = notMeasuredLocally(ref.source);
    if (reason) return { label: ref.label, stat: ref.stat, notMeasured: reason, points: [] };
    const points = this.metrics.points(this.seriesOf(ref.source), ref.stat, this.now() - windowMs);
    return { label: ref.label, stat: ref.stat, points };
  }
}

export interface MetricReading {
  readonly label: string;
  readonly stat: MetricStat;
  /** One value per bucket, oldest first; null where nothing was recorded. */
  readonly points: readonly (number | null)[];
  /** Why this metric is not measured locally (then it has no points). */
  readonly notMeasured?: string;
}
