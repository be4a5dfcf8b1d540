/**
 * What the local event plumbing must keep across restarts when data is on disk: each stream
 * subscription's checkpoints, the messages in every local queue and DLQ, and the stream records
 * given up on. One JSON file, replaced atomically (write, then rename) shortly after each change
 * and on stop, so checkpoints and queues are always saved together: after a crash the stream
 * resumes from a checkpoint no newer than the queues, and consumers' markers absorb the replay.
 * Without a file (in-memory runtime) nothing is written.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { StoredMessageSchema } from './sqs.ts';

export const StreamFailureSchema = z.object({
  functionName: z.string(),
  shardId: z.string(),
  firstSequenceNumber: z.string(),
  lastSequenceNumber: z.string(),
  reason: z.string(),
  at: z.string(),
  /** The Lambda-format stream records given up on. */
  records: z.array(z.unknown()),
});
export type StreamFailure = z.infer<typeof StreamFailureSchema>;

const StateFile = z.object({
  version: z.literal(1),
  /** Per stream function: the last sequence number handled in each shard. */
  checkpoints: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  queues: z.record(z.string(), z.array(StoredMessageSchema)).default({}),
  streamFailures: z.array(StreamFailureSchema).default([]),
});
type StateFile = z.infer<typeof StateFile>;

export interface StateSources {
  checkpoints(): StateFile['checkpoints'];
  queues(): StateFile['queues'];
  streamFailures(): StreamFailure[];
}

export class LocalStateFile {
  readonly path: string | undefined;
  readonly loaded: StateFile;
  private sources: StateSources | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(path: string | undefined, log: (line: string) => void = () => undefined) {
    this.path = path;
    let loaded: StateFile = { version: 1, checkpoints: {}, queues: {}, streamFailures: [] };
    if (path && existsSync(path)) {
      const parsed = StateFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) loaded = parsed.data;
      else log(`local state in ${path} is unreadable; starting from the stream's beginning`);
    }
    this.loaded = loaded;
  }

  /** Where the current state is read from when saving. */
  attach(sources: StateSources): void {
    this.sources = sources;
  }

  /** Saves soon; changes within the delay are saved together. */
  changed(): void {
    if (!this.path || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, 100);
  }

  /** Saves now (on stop). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.save();
  }

  private save(): void {
    if (!this.path || !this.sources) return;
    const state: StateFile = {
      version: 1,
      checkpoints: this.sources.checkpoints(),
      queues: this.sources.queues(),
      streamFailures: this.sources.streamFailures(),
    };
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.path);
  }
}
