/**
 * Sending a campaign, one page of its segment's members per `CampaignPageDue` delivery.
 *
 * 1. The campaign is read; a page that is not its next page, or a campaign no longer `SENDING`,
 *    is stale and writes nothing (a redelivery of a page already recorded, a cancelled campaign).
 * 2. One page of members is read from the segment's membership partition (`segmentMemberKey`),
 *    from the cursor the event carries, and every member's customer record is read again NOW
 *    (strongly consistent BatchGetItem): consent is judged at sending time, not at creation.
 * 3. Per member, in order: the delivery item is claimed (conditional put) BEFORE anything is
 *    sent — suppressed members get a `suppressed` item with the reason — then the message goes
 *    out at the paced rate (`throttle.ts`) and the claim is marked `sent` (or `failed`). A member
 *    whose item already exists is not sent again: its stored outcome is what counts.
 * 4. The page's tally, the next page's cursor and `CampaignPageDue` for it (or `SENT`) are
 *    written with the consumer's marker in one transaction.
 *
 * **At most once per (campaign, customer).** A crash after a claim and before its outcome leaves
 * the item `claimed`; the redelivered page finds it and does not send again (`unconfirmed` in the
 * counts). A provider that throttles gets the claim released and the page retried later; one that
 * refuses marks the delivery `failed`; one that does not answer leaves it `claimed` (it may have
 * gone out).
 */
import type { EventOf } from '#events/catalog.ts';
import type { ConsumerTx } from '#events/consumer.ts';
import { type Customer, customerFromItem, customerKey } from '#functions/customers/customers.ts';
import { mayMarket } from '#functions/customers/rules.ts';
import { SEGMENT_MEMBER_SK_PREFIX, segmentMemberKey } from '#functions/segments/keys.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { classifySendError, e164, sendEmail, sendSms } from '#shared/messaging.ts';
import { logger, recordBusinessMetric } from '#shared/observability.ts';
import { queryPage } from '#shared/query-page.ts';
import { batchGetItems, type TransactWrite } from '#shared/transactions.ts';
import {
  type Campaign,
  type CampaignChannel,
  claimDelivery,
  type Delivery,
  type DeliveryCounts,
  emptyCounts,
  getCampaign,
  getDelivery,
  pageDoneUpdate,
  recordOutcome,
  releaseDelivery,
  type SuppressionReason,
} from './campaigns.ts';
import { renderTemplate, templateValues } from './template.ts';
import { pacer, pageSizeFor, sendRateFrom } from './throttle.ts';

/** Why a customer gets no message on `channel` now, or their address when they get one. */
export function recipientOf(
  customer: Customer | undefined,
  channel: CampaignChannel,
): { to: string; customer: Customer } | { suppressed: SuppressionReason } {
  if (!customer) return { suppressed: 'noConsent' };
  if (!mayMarket(customer, channel)) {
    // Said no (or withdrew) at some point: opted out; never asked: no consent.
    return { suppressed: customer.marketingConsent[channel].changedAt ? 'optedOut' : 'noConsent' };
  }
  const to = channel === 'email' ? customer.email : customer.phone && e164(customer.phone);
  return to ? { to, customer } : { suppressed: 'noAddress' };
}

/** The message of a campaign for one customer. */
export function messageFor(campaign: Campaign, customer: Customer, to: string) {
  const values = templateValues(customer, campaign.couponCode);
  const tags = { kind: 'campaign', campaignId: campaign.id, customerId: customer.id };
  const text = renderTemplate(campaign.template, values);
  return campaign.channel === 'email'
    ? {
        channel: 'email' as const,
        to,
        subject: renderTemplate(campaign.subject ?? campaign.name, values),
        text,
        category: 'marketing' as const,
        tags,
      }
    : { channel: 'sms' as const, to, text, category: 'marketing' as const, tags };
}

/** The `CampaignMessagesSuppressed` breakdown of a suppression reason (business-metrics.ts). */
const SUPPRESSED_METRIC_REASON = {
  noConsent: 'no-consent',
  optedOut: 'no-consent',
  noAddress: 'no-address',
} as const satisfies Record<SuppressionReason, string>;

/**
 * Counts a fresh claim's outcome in the business metrics, once per member: a member whose claim
 * already existed (a redelivered page) was counted when it was first claimed.
 */
function recordDelivery(channel: CampaignChannel, delivery: Pick<Delivery, 'status' | 'reason'>): void {
  if (delivery.status === 'sent') recordBusinessMetric('CampaignMessagesSent', 1, channel);
  else if (delivery.status === 'failed') recordBusinessMetric('CampaignMessagesSuppressed', 1, 'failed');
  else if (delivery.status === 'claimed')
    recordBusinessMetric('CampaignMessagesSuppressed', 1, 'unconfirmed');
  else
    recordBusinessMetric(
      'CampaignMessagesSuppressed',
      1,
      SUPPRESSED_METRIC_REASON[delivery.reason ?? 'noConsent'],
    );
}

/** Adds one delivery's outcome to a tally. */
export function count(tally: DeliveryCounts, delivery: Pick<Delivery, 'status' | 'reason'>): void {
  tally.members += 1;
  if (delivery.status === 'sent') tally.sent += 1;
  else if (delivery.status === 'failed') tally.failed += 1;
  else if (delivery.status === 'claimed') tally.unconfirmed += 1;
  else tally.suppressed[delivery.reason ?? 'noConsent'] += 1;
}

/** Thrown by the crash switch: the process "dies" between a send and its outcome. */
export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
}

let sendsInProcess = 0;

/** Messages this process has sent (the crash switch counts these). */
export const sendsInThisProcess = (): number => sendsInProcess;

/**
 * Test switch `CAMPAIGN_CRASH_AFTER_SENDS=<n>`: the n-th message this process sends is followed by
 * a thrown error before its outcome is recorded — a crash at the worst moment. Unset in AWS.
 */
function crashSwitch(): void {
  const raw = process.env.CAMPAIGN_CRASH_AFTER_SENDS;
  if (!raw) return;
  if (sendsInProcess === Number(raw)) {
    throw new InjectedCrash(`CAMPAIGN_CRASH_AFTER_SENDS=${raw}: crashing after a send, before its outcome`);
  }
}

export interface PageOptions {
  /** Messages per second; `CAMPAIGN_SEND_RATE` when absent. */
  readonly rate?: number;
  /** Members per page at most (tests use small pages to walk many). */
  readonly maxPageSize?: number;
  /** How long a claim found `claimed` may still be in flight (another delivery sending it). */
  readonly settleMs?: number;
}

/**
 * A claim younger than this, found by another delivery of the same page (SQS delivered it twice
 * at once), is waited on: its owner is still sending. Older ones are a crash's leftovers (a page is
 * delivered again only after the visibility timeout) and count as unconfirmed at once.
 */
export const CLAIM_SETTLE_MS = 30_000;

const optionsFromEnv = (): Required<PageOptions> => ({
  rate: sendRateFrom(process.env.CAMPAIGN_SEND_RATE),
  maxPageSize: Number(process.env.CAMPAIGN_PAGE_SIZE ?? 0) || 100,
  settleMs: Number(process.env.CAMPAIGN_CLAIM_SETTLE_MS ?? CLAIM_SETTLE_MS),
});

/** An existing delivery's outcome, waiting while it is a young claim another delivery may finish. */
async function settled(existing: Delivery, settleMs: number): Promise<Delivery> {
  let current = existing;
  while (current.status === 'claimed' && Date.now() - Date.parse(current.claimedAt) < settleMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    current = (await getDelivery(current.campaignId, current.customerId)) ?? current;
  }
  return current;
}

/** The consumer's effect of one `CampaignPageDue`: the page's record (+ the next page's event). */
export async function sendPage(
  event: EventOf<'CampaignPageDue'>,
  tx: Pick<ConsumerTx, 'now' | 'emit'>,
  options: PageOptions = {},
): Promise<readonly TransactWrite[]> {
  const { campaignId, page, cursor } = event.data;
  const { rate, maxPageSize, settleMs } = { ...optionsFromEnv(), ...options };
  const campaign = await getCampaign(campaignId);
  if (campaign?.status !== 'SENDING' || campaign.page !== page) {
    logger.info('campaign page stale: nothing sent', {
      campaignId,
      page,
      status: campaign?.status,
      nextPage: campaign?.page,
    });
    return [];
  }
  const members = await queryPage({
    partition: segmentMemberKey(campaign.segmentId, '').pk,
    sortKeyPrefix: SEGMENT_MEMBER_SK_PREFIX,
    order: 'oldest-first',
    page: { limit: pageSizeFor(rate, maxPageSize), cursor },
    parse: (item) => String(item.sk).slice(SEGMENT_MEMBER_SK_PREFIX.length),
  });
  const customers = new Map<string, Customer>();
  if (members.items.length > 0) {
    const items = await batchGetItems(
      ddb,
      tableName,
      members.items.map((id) => customerKey(id)),
    );
    for (const item of items) {
      const customer = customerFromItem(item);
      customers.set(customer.id, customer);
    }
  }

  const tally = emptyCounts();
  const pace = pacer(rate);
  for (const customerId of members.items) {
    const recipient = recipientOf(customers.get(customerId), campaign.channel);
    // Wall-clock time of the claim (not the delivery's): how young a claim is tells in-flight from crashed.
    const base = {
      campaignId,
      customerId,
      channel: campaign.channel,
      page,
      claimedAt: new Date().toISOString(),
    };
    const claim = await claimDelivery(
      'suppressed' in recipient
        ? { ...base, status: 'suppressed', reason: recipient.suppressed }
        : { ...base, status: 'claimed', to: recipient.to },
    );
    if (!claim.claimed) {
      count(tally, await settled(claim.existing, settleMs));
      continue;
    }
    if ('suppressed' in recipient) {
      const suppressed = { status: 'suppressed', reason: recipient.suppressed } as const;
      count(tally, suppressed);
      recordDelivery(campaign.channel, suppressed);
      continue;
    }
    await pace.wait();
    const delivered = await deliver(campaign, recipient.customer, recipient.to, tx.now);
    count(tally, delivered);
    recordDelivery(campaign.channel, delivered);
  }

  // A cancellation during the page ends the campaign after it: its tally still counts.
  const after = await getCampaign(campaignId);
  const status = after?.status === 'CANCELLED' ? 'CANCELLED' : 'SENDING';
  const nextCursor = members.nextCursor ?? undefined;
  const last = nextCursor === undefined || status === 'CANCELLED';
  logger.info('campaign page sent', { campaignId, page, last, status, ...flatten(tally) });
  const writes = [pageDoneUpdate({ campaignId, page, status, tally, nextCursor, last, at: tx.now })];
  if (!last) writes.push(tx.emit('CampaignPageDue', { campaignId, page: page + 1, cursor: nextCursor }));
  return writes;
}

/** Sends one claimed message and records its outcome; answers the delivery's status. */
async function deliver(
  campaign: Campaign,
  customer: Customer,
  to: string,
  now: string,
): Promise<Pick<Delivery, 'status'>> {
  const message = messageFor(campaign, customer, to);
  const log = { campaignId: campaign.id, customerId: customer.id, channel: campaign.channel };
  let messageId: string;
  try {
    messageId =
      message.channel === 'email'
        ? await sendEmail(message)
        : await sendSms({
            to: message.to,
            text: message.text,
            category: message.category,
            tags: message.tags,
          });
  } catch (error) {
    const failure = classifySendError(error);
    if (failure === 'throttled') {
      // Nothing went out: give the claim back and fail the page, which SQS delivers again later.
      await releaseDelivery(campaign.id, customer.id);
      logger.warn('campaign message throttled: page retried later', log);
      throw error;
    }
    if (failure === 'refused') {
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      await recordOutcome(campaign.id, customer.id, { status: 'failed', failure: reason, at: now });
      logger.warn('campaign message refused', { ...log, reason });
      return { status: 'failed' };
    }
    // No answer: it may have gone out. At most once: the claim stays, never sent again.
    logger.error('campaign message outcome unknown: left claimed (unconfirmed)', {
      ...log,
      error: error as Error,
    });
    return { status: 'claimed' };
  }
  sendsInProcess += 1;
  crashSwitch();
  await recordOutcome(campaign.id, customer.id, { status: 'sent', messageId, at: new Date().toISOString() });
  return { status: 'sent' };
}

const flatten = (tally: DeliveryCounts) => ({
  members: tally.members,
  sent: tally.sent,
  failed: tally.failed,
  unconfirmed: tally.unconfirmed,
  ...tally.suppressed,
});
