/**
 * The local mailbox kept on disk: what was sent survives a restart (a new mailbox on the same
 * file), newest first, filtered by recipient (any letter case, display names ignored) and channel;
 * an unreadable line is skipped, not fatal.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_MAILBOX_FILE, LocalMailbox, type MailboxMessage } from '#infra/local/messaging.ts';

const dir = mkdtempSync(join(tmpdir(), 'storeline-mailbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const message = (id: string, over: Partial<MailboxMessage> = {}): MailboxMessage => ({
  id,
  channel: 'email',
  to: ['Ada <Ada@Example.com>'],
  subject: `Receipt ${id}`,
  text: 'Total: €47.58',
  category: 'transactional',
  tags: { invoiceId: id },
  sentAt: '2026-03-01T10:00:00.000Z',
  ...over,
});

describe('Local mailbox on disk', () => {
  it('keeps every message across a restart, newest first, filtered by recipient and channel', () => {
    const file = join(dir, LOCAL_MAILBOX_FILE);
    const first = new LocalMailbox(file);
    first.add(message('m1'));
    first.add(message('m2', { channel: 'sms', to: ['+442079460958'], category: 'marketing' }));
    first.add(message('m3'));

    const lines: string[] = [];
    appendFileSync(file, 'not json\n');
    const restarted = new LocalMailbox(file, (line) => lines.push(line));

    expect(restarted.size).toBe(3);
    expect(lines).toEqual([expect.stringContaining('1 unreadable lines skipped')]);
    expect(restarted.list().map((m) => m.id)).toEqual(['m3', 'm2', 'm1']);
    expect(restarted.list({ to: 'ada@example.com' }).map((m) => m.id)).toEqual(['m3', 'm1']);
    expect(restarted.list({ channel: 'sms' })).toEqual([
      message('m2', { channel: 'sms', to: ['+442079460958'], category: 'marketing' }),
    ]);
    expect(restarted.list({ limit: 1 }).map((m) => m.id)).toEqual(['m3']);
  });

  it('keeps nothing on disk when it has no file (the in-memory runtime)', () => {
    const mailbox = new LocalMailbox();
    mailbox.add(message('m1'));
    expect(mailbox.file).toBeUndefined();
    expect(new LocalMailbox().size).toBe(0);
  });
});
