/** docs/data-model.md and docs/service-desk.md must stay true to the tickets module and its SLA policy. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The entity module reads TABLE_NAME at load (no I/O happens here).
process.env.TABLE_NAME ??= 'tickets-doc-test';
const tickets = await import('#functions/tickets/tickets.ts');
const { SLA_POLICY } = await import('#functions/tickets/sla.ts');

const read = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');
const dataModel = read('data-model.md').slice(read('data-model.md').indexOf('\n## Tickets'));
const desk = read('service-desk.md');

describe('Doc: data-model.md, Tickets', () => {
  it('lists every tickets item with the keys its module builds', () => {
    for (const key of [
      tickets.ticketKey('<id>'),
      tickets.commentKey('<id>', '<ulid>'),
      tickets.incidentLinkKey('<problemId>', '<incidentId>'),
      tickets.listKey('<filter>', '<id>'),
      tickets.ticketCounterKey,
      tickets.alertKeyKey('<alertKey>'),
      tickets.ticketIdempotencyKey('<id>'),
      tickets.commentIdempotencyKey('<id>'),
    ]) {
      expect(dataModel, `${key.pk} / ${key.sk}`).toContain(`| \`${key.pk}\` | \`${key.sk}\` |`);
    }
    expect(dataModel).toContain(`\`gsi1pk = ${tickets.customerTicketsPk('<customerId>')}\``);
    expect(dataModel).toContain(`\`gsi1pk = ${tickets.listPk('<filter>')}\``);
  });

  it('names every list partition a ticket is written to', () => {
    const filters = tickets.listFilters({
      status: 'OPEN',
      assignee: 'a',
      type: 'incident',
      priority: 'high',
    });
    for (const filter of filters) {
      const generic = filter
        .replace('OPEN', '<status>')
        .replace(/#a$/, '#<sub>')
        .replace('incident', '<type>')
        .replace('high', '<priority>');
      expect(dataModel, generic).toContain(`\`${generic}\``);
    }
  });
});

describe('Doc: service-desk.md, SLA policy', () => {
  it('states each priority’s targets as the policy has them', () => {
    const hours = (ms: number) => (ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`);
    for (const [priority, policy] of Object.entries(SLA_POLICY)) {
      const row = desk.split('\n').find((line) => line.startsWith(`| ${priority} |`));
      expect(row, priority).toBeDefined();
      expect(row).toContain(`| ${hours(policy.responseMs)} |`);
      expect(row).toContain(`| ${hours(policy.resolutionMs)}`);
      expect(row).toContain(policy.hours === '24x7' ? '24×7' : 'business hours');
    }
  });
});
