/**
 * The local bus's archive: every event put on the bus with the consumers its rules sent it to,
 * newest last, bounded (EventBridge keeps `archiveRetentionDays`; locally the newest `limit`
 * events). With a file (the runtime keeps data on disk) each event is appended to a JSON-lines
 * file as it arrives — one small write, not a rewrite of the archive — and read back on start, so
 * events of a window before a restart can still be replayed; the file is compacted to the newest
 * `limit` lines when it holds twice as many.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import type { Delivery } from './eventbridge.ts';

export const DEFAULT_ARCHIVE_LIMIT = 10_000;

const ArchivedEvent = z.object({
  version: z.literal('0'),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
});
const ArchivedDelivery = z.object({ event: ArchivedEvent, consumers: z.array(z.string()) });
export type ArchivedDelivery = Delivery;

export class LocalArchive {
  private readonly entries: ArchivedDelivery[] = [];
  private readonly limit: number;
  private readonly file: string | undefined;
  private linesInFile = 0;

  constructor(options: { limit?: number; file?: string | undefined } = {}) {
    this.limit = options.limit ?? DEFAULT_ARCHIVE_LIMIT;
    this.file = options.file;
    if (this.file && existsSync(this.file)) {
      const lines = readFileSync(this.file, 'utf8').split('\n').filter(Boolean);
      this.linesInFile = lines.length;
      for (const line of lines.slice(-this.limit)) {
        try {
          const parsed = ArchivedDelivery.safeParse(JSON.parse(line));
          if (parsed.success) this.entries.push(parsed.data as ArchivedDelivery);
        } catch {
          // a line cut short by a crash: skipped
        }
      }
    }
  }

  add(delivery: ArchivedDelivery): void {
    this.entries.push(delivery);
    if (this.entries.length > this.limit) this.entries.shift();
    if (!this.file) return;
    if (this.linesInFile === 0) mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(delivery)}\n`);
    this.linesInFile += 1;
    if (this.linesInFile >= 2 * this.limit) {
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, this.entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      renameSync(tmp, this.file);
      this.linesInFile = this.entries.length;
    }
  }

  /** Every archived event, oldest first. */
  all(): readonly ArchivedDelivery[] {
    return this.entries;
  }

  /**
   * Events whose `time` is in [from, to) — EventBridge's replay window, by event time (to the
   * second, as EventBridge stamps it).
   */
  between(from: Date, to: Date): ArchivedDelivery[] {
    const start = from.getTime();
    const end = to.getTime();
    return this.entries.filter(({ event }) => {
      const at = Date.parse(event.time);
      return at >= start && at < end;
    });
  }
}
