/**
 * Campaign sending against DynamoDB Local and the local SES/SNS endpoint (its mailbox): a
 * campaign to a segment of 400 customers, half consenting, reaches exactly the consenting ones
 * once each — also when the sender crashes between a send and its outcome half-way and the page
 * is delivered again (the crash is a real thrown error inside the consumer, the redelivery the
 * same SQS record) — and when every page is delivered twice at once. Consent is judged when the
 * page is sent, not when the campaign was created; a cancelled campaign sends no further page.
 *
 * The 400 customers and their memberships are written straight through the customers' and
 * segments' key builders (BatchWriteItem) so the setup takes seconds; everything after the launch
 * runs the production code: the launcher's transaction, the consumer framework, the outbox chain.
 */
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type EventOf, eventCatalogue } from '#events/catalog.ts';
import type { Customer } from '#functions/customers/rules.ts';
import { segmentMemberKey } from '#functions/segments/keys.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { listen } from '#infra/local/gateway.ts';
import { createMessagingServer, LOCAL_MAIL_FROM, LocalMailbox } from '#infra/local/messaging.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { sqsRecordFor } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.EVENT_SOURCE = 'storeline.campaign-sender';
  // 1,000 messages a second: pages of 100, paced 1 ms apart (the pacing itself is unit-tested).
  process.env.CAMPAIGN_SEND_RATE = '1000';
});

const mailbox = new LocalMailbox();
const server = createMessagingServer({
  mailbox,
  region: LOCAL_REGION,
  verifiedIdentities: ['storeline.local'],
  topics: [],
});
const endpoint = `http://127.0.0.1:${await listen(server, 0)}`;
Object.assign(process.env, {
  AWS_ENDPOINT_URL_SESV2: endpoint,
  AWS_ENDPOINT_URL_SNS: endpoint,
  MAIL_FROM: LOCAL_MAIL_FROM,
});

const { campaignSender } = await import('#functions/campaigns/consumer.ts');
const { launchCampaign } = await import('#functions/campaigns/launch.ts');
const { emptyCounts, getCampaign, listDeliveries, putNewCampaign, cancelCampaignRecord } = await import(
  '#functions/campaigns/campaigns.ts'
);
const { customerToItem } = await import('#functions/customers/customers.ts');
const sending = await import('#functions/campaigns/sending.ts');

afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

const NOW = '2026-03-09T08:00:00.000Z';

async function batchWrite(items: Record<string, unknown>[]) {
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
}

interface Seeded {
  readonly segmentId: string;
  readonly consenting: Customer[];
  readonly others: Customer[];
}

/**
 * `n` customers in a new segment: even ones consent to email; of the odd ones half withdrew
 * consent (opted out), half were never asked.
 */
async function seedSegment(n: number): Promise<Seeded> {
  const segmentId = `seg-${ulid().toLowerCase()}`;
  const customers: Customer[] = Array.from({ length: n }, (_, i) => {
    const id = ulid();
    const email =
      i % 2 === 0
        ? { granted: true, changedAt: NOW, source: 'customer' as const }
        : i % 4 === 1
          ? { granted: false, changedAt: NOW, source: 'customer' as const }
          : { granted: false };
    return {
      id,
      name: `Customer ${i}`,
      email: `c${i}-${id.toLowerCase()}@example.com`,
      marketingConsent: { email, sms: { granted: false } },
      version: 1,
      origin: 'staff',
      createdAt: NOW,
      updatedAt: NOW,
      createdBy: 'staff-1',
    };
  });
  await batchWrite(customers.map(customerToItem));
  await batchWrite(
    customers.map((c) => ({
      ...segmentMemberKey(segmentId, c.id),
      entity: 'SegmentMember',
      customerId: c.id,
      since: NOW,
      revision: 1,
    })),
  );
  return {
    segmentId,
    consenting: customers.filter((_, i) => i % 2 === 0),
    others: customers.filter((_, i) => i % 2 === 1),
  };
}

async function scheduledCampaign(segmentId: string): Promise<string> {
  const id = ulid();
  expect(
    await putNewCampaign({
      id,
      name: 'Spring sale',
      channel: 'email',
      segmentId,
      subject: 'Hello {{firstName}}',
      template: 'Dear {{name}}, use {{couponCode}}.',
      couponCode: 'SPRING20',
      sendAt: NOW,
      status: 'SCHEDULED',
      page: 0,
      counts: emptyCounts(),
      createdAt: NOW,
      createdBy: 'staff-1',
      updatedAt: NOW,
    }),
  ).toBe(true);
  return id;
}

/** The campaign's CampaignPageDue events in the outbox, as the bus would deliver them. */
async function pageEvents(campaignId: string): Promise<EventOf<'CampaignPageDue'>[]> {
  const found: EventOf<'CampaignPageDue'>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :p) AND #e.#t = :type AND #e.#d.campaignId = :id',
        ExpressionAttributeNames: { '#e': 'event', '#t': 'type', '#d': 'data' },
        ExpressionAttributeValues: { ':p': 'OUTBOX#', ':type': 'CampaignPageDue', ':id': campaignId },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) {
      found.push(eventCatalogue.CampaignPageDue.schema.parse(item.event) as EventOf<'CampaignPageDue'>);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found.sort((a, b) => a.data.page - b.data.page);
}

/** Waits for nothing: the next page's event is in the outbox once the previous page committed. */
async function pageEvent(campaignId: string, page: number): Promise<EventOf<'CampaignPageDue'> | undefined> {
  return (await pageEvents(campaignId)).find((e) => e.data.page === page);
}

/** Delivers every page in turn, each through `deliver`, until the chain ends. */
async function runPages(
  campaignId: string,
  deliver: (event: EventOf<'CampaignPageDue'>) => Promise<unknown>,
): Promise<number> {
  let page = 0;
  for (;;) {
    const event = await pageEvent(campaignId, page);
    if (!event) return page;
    await deliver(event);
    page += 1;
  }
}

const messagesOf = (campaignId: string) =>
  mailbox.list({ channel: 'email', limit: 1000 }).filter((m) => m.tags.campaignId === campaignId);

/** Recipient → how many messages of the campaign they got. */
function perRecipient(campaignId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messagesOf(campaignId)) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

describe('Campaign sending (DynamoDB Local + local SES)', () => {
  it('sends exactly one message to each consenting member of 400, also across a crash half-way', async () => {
    // Prepare: 400 members, 200 consenting; the sender will crash right after its 100th send
    const { segmentId, consenting, others } = await seedSegment(400);
    const campaignId = await scheduledCampaign(segmentId);
    process.env.CAMPAIGN_CRASH_AFTER_SENDS = String(sending.sendsInThisProcess() + 100);
    // The redelivery comes at once here, not after the visibility timeout: the crashed claim is
    // young, so tell the sender not to wait for it to settle.
    process.env.CAMPAIGN_CLAIM_SETTLE_MS = '0';

    // Act: the timer fires; every page is delivered, and a page that fails is delivered again
    expect(await launchCampaign({ campaignId }, NOW)).toBe('started');
    expect(await launchCampaign({ campaignId }, NOW)).toBe('stale'); // a second firing starts nothing
    const crashes: unknown[] = [];
    const pages = await runPages(campaignId, async (event) => {
      const record = sqsRecordFor(event);
      try {
        expect(await campaignSender.processRecord(record)).toBe('applied');
      } catch (error) {
        crashes.push(error);
        // "Restart": the switch is off now, and SQS delivers the same record again.
        delete process.env.CAMPAIGN_CRASH_AFTER_SENDS;
        expect(await campaignSender.processRecord(record)).toBe('applied');
      }
    });
    delete process.env.CAMPAIGN_CLAIM_SETTLE_MS;

    // Assess: the crash really happened mid-page, between a send and its outcome
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toBeInstanceOf(sending.InjectedCrash);
    // 4 full pages, then the empty one DynamoDB's last LastEvaluatedKey leads to
    expect(pages).toBe(5);
    // Exactly one message per consenting customer, none to anyone else
    const got = perRecipient(campaignId);
    expect(got.size).toBe(200);
    for (const c of consenting) expect(got.get(c.email ?? '')).toBe(1);
    for (const c of others) expect(got.has(c.email ?? '')).toBe(false);
    const one = messagesOf(campaignId).find((m) => m.to.includes(consenting[0]?.email ?? ''));
    expect(one).toMatchObject({
      subject: 'Hello Customer',
      text: 'Dear Customer 0, use SPRING20.',
      category: 'marketing',
    });
    // The crashed delivery went out but its outcome was never written: unconfirmed, not resent
    const campaign = await getCampaign(campaignId);
    expect(campaign).toMatchObject({
      status: 'SENT',
      page: 5,
      counts: {
        members: 400,
        sent: 199,
        unconfirmed: 1,
        failed: 0,
        suppressed: { noConsent: 100, optedOut: 100, noAddress: 0 },
      },
    });
    expect(campaign?.cursor).toBeUndefined();
    const deliveries = await listDeliveries(campaignId, { limit: 100 });
    expect(deliveries.items.every((d) => d.campaignId === campaignId)).toBe(true);
  }, 120_000);

  it('sends once per customer when every page is delivered twice at the same time', async () => {
    const { segmentId, consenting } = await seedSegment(60);
    const campaignId = await scheduledCampaign(segmentId);
    process.env.CAMPAIGN_PAGE_SIZE = '7';
    try {
      expect(await launchCampaign({ campaignId }, NOW)).toBe('started');
      await runPages(campaignId, async (event) => {
        const outcomes = await Promise.all([
          campaignSender.processRecord(sqsRecordFor(event)),
          campaignSender.processRecord(sqsRecordFor(event)),
        ]);
        expect(outcomes.sort()).toEqual(['applied', 'duplicate']);
      });
    } finally {
      delete process.env.CAMPAIGN_PAGE_SIZE;
    }
    const got = perRecipient(campaignId);
    expect(got.size).toBe(30);
    for (const c of consenting) expect(got.get(c.email ?? '')).toBe(1);
    expect(await getCampaign(campaignId)).toMatchObject({
      status: 'SENT',
      page: 9,
      counts: { members: 60, sent: 30, unconfirmed: 0 },
    });
  }, 60_000);

  it('judges consent when the page is sent, and sends no page after a cancellation', async () => {
    const { segmentId, consenting, others } = await seedSegment(10);
    const campaignId = await scheduledCampaign(segmentId);
    // After scheduling, one consenting customer withdraws and one other grants consent.
    const [withdrawn, ...stillConsenting] = consenting;
    const [granted] = others;
    if (!withdrawn || !granted) throw new Error('seeded too few customers');
    const { customerToItem } = await import('#functions/customers/customers.ts');
    await batchWrite([
      customerToItem({
        ...withdrawn,
        marketingConsent: { ...withdrawn.marketingConsent, email: { granted: false, changedAt: NOW } },
      }),
      customerToItem({
        ...granted,
        marketingConsent: { ...granted.marketingConsent, email: { granted: true, changedAt: NOW } },
      }),
    ]);
    expect(await launchCampaign({ campaignId }, NOW)).toBe('started');
    await runPages(campaignId, (event) => campaignSender.processRecord(sqsRecordFor(event)));
    const got = perRecipient(campaignId);
    expect(got.has(withdrawn.email ?? '')).toBe(false);
    expect(got.get(granted.email ?? '')).toBe(1);
    for (const c of stillConsenting) expect(got.get(c.email ?? '')).toBe(1);
    expect((await getCampaign(campaignId))?.counts.suppressed.optedOut).toBe(3);

    // A cancelled campaign: the timer firing starts nothing, a stray page sends nothing
    const second = await scheduledCampaign(segmentId);
    await cancelCampaignRecord(second, NOW);
    expect(await launchCampaign({ campaignId: second }, NOW)).toBe('stale');
    const stray = { ...(await pageEvents(campaignId))[0], id: ulid() } as EventOf<'CampaignPageDue'>;
    const strayForSecond = { ...stray, data: { campaignId: second, page: 0 } };
    expect(await campaignSender.processRecord(sqsRecordFor(strayForSecond))).toBe('applied');
    expect(messagesOf(second)).toHaveLength(0);
    await expect(cancelCampaignRecord(second, NOW)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      extra: { currentStatus: 'CANCELLED' },
    });
  }, 60_000);
});
