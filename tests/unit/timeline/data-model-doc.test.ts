/** docs/data-model.md's timeline section must show the keys the timeline module builds. */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'data-model-doc-test';
});
const { timelineKey, timelineSkPrefix } = await import('#functions/timeline/timeline.ts');

const doc = readFileSync(new URL('../../../docs/data-model.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('\n## Timeline\n'));

describe('Doc: data-model.md, timeline', () => {
  it.each(['staff', 'customer'] as const)('lists the %s-view entry with its keys and its Query', (view) => {
    const key = timelineKey(view, { customerId: '<customerId>', at: '<at>', eventId: '<event id>' });
    expect(section).toContain(`| \`${key.pk}\` | \`${key.sk}\` |`);
    expect(section).toContain(`begins_with(sk, ${timelineSkPrefix(view)})`);
  });
});
