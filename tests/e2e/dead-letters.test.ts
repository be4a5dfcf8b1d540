/**
 * Dead letters and the ops page on a runtime of this file's own (the e2e tier's `e2e-isolated`
 * project): a poison message needs `maxReceiveCount` failed receives to reach a DLQ, which with the
 * topology's visibility timeouts takes minutes, so this runtime's consumers retry after 1 s
 * (`LOCAL_VISIBILITY_TIMEOUT_SECONDS`), as `npm start` allows; and its dead letters stay out of the
 * shared runtime other files assert on. Alerts themselves are in `alerting.test.ts`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '#infra/local/client.ts';
import { localDynamoClient } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { outboxPut } from '#shared/outbox.ts';
import { alertSku, type OpsMessage, type Summary, stockLow, type Ticket } from '../support/alerting.ts';
import { eventually } from '../support/backbone.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process.ts';

let runtime: RuntimeProcess;
let api: ReturnType<typeof apiClient>;
let ddb: DynamoDBDocumentClient;
let staff: string;

const sku = alertSku;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ inMemory: true, env: { LOCAL_VISIBILITY_TIMEOUT_SECONDS: '1' } });
  api = apiClient(runtime.url);
  ddb = DynamoDBDocumentClient.from(localDynamoClient(runtime.dynamoDbEndpoint));
  staff = await api.token('agent-alerting-e2e', ['staff']);
}, 120_000);
afterAll(async () => {
  ddb?.destroy();
  await runtime?.stop();
});

describe('Local runtime: a poison message in a DLQ raises an incident naming the queue', () => {
  it('moves a StockLow the alerting consumer cannot read to its DLQ, and the DLQ hook opens incident dlq:alerting', async () => {
    const api2 = api;
    const agent = await api2.token('agent-dlq-e2e', ['staff']);
    // Prepare: a StockLow whose data is not the event's (no quantities): every receive fails.
    const poison: EventEnvelope = { ...stockLow(sku()), data: { sku: 'POISON' } };
    await ddb.send(new PutCommand(outboxPut(topology.table.name, poison).Put));

    // Act: 5 receives at 1 s apart, then the move to alerting-dlq fires the hook.
    const dead = await eventually(
      async () => {
        const res = await api2.request<{ items: { body: { detail: { id: string } } }[] }>(
          'GET',
          '/_local/queues/alerting/dlq',
        );
        return res.body.items.some((m) => m.body.detail.id === poison.id) ? res.body.items : undefined;
      },
      { timeoutMs: 50_000, intervalMs: 500, what: 'the poison message in alerting-dlq' },
    );
    expect(dead.length).toBeGreaterThanOrEqual(1);

    // Assess: one incident naming the queue, and the ops notification from the local DLQ alarm.
    const incident = await eventually(
      async () => {
        const res = await api2.request<{ items: Summary[] }>('GET', '/tickets?type=incident&limit=100', {
          token: agent,
        });
        const found = res.body.items.filter((t) => t.subject === 'Dead letters in the alerting queue');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 50_000, intervalMs: 500, what: 'the DLQ incident' },
    );
    expect(incident).toHaveLength(1);
    const detail = await api2.request<Ticket>('GET', `/tickets/${incident[0]?.id}`, { token: agent });
    expect(detail.body).toMatchObject({ alertKey: 'dlq:alerting', priority: 'urgent', status: 'NEW' });
    expect(detail.body.description).toContain('Raised by local-dlq');
    const messages = await api2.request<{ items: OpsMessage[] }>(
      'GET',
      '/_local/messages?channel=ops&limit=1000',
    );
    expect(messages.body.items.filter((m) => m.tags.alertKey === 'dlq:alerting')).toEqual([
      expect.objectContaining({
        severity: 'critical',
        subject: expect.stringMatching(/^CRITICAL: Dead letters in the alerting queue \[TCK-\d+ opened\]$/),
        tags: expect.objectContaining({ origin: 'local-dlq' }),
      }),
    ]);
  }, 110_000);
});

/**
 * The ops page (`/_local/ops`) in headless Chromium, on this file's runtime (no second start): by now it
 * has dead-lettered the poison message above and opened incidents; orders and a ticket are added here.
 * Debian's Chromium only (`apt-get install chromium`), driven by playwright-core: no browser download.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `ops page browser test skipped: ${CHROMIUM} is missing (install it: sudo apt-get install -y chromium)`,
  );
const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/', import.meta.url));

describe.skipIf(!hasChromium)(
  `Local runtime: the ops page in a real browser${hasChromium ? '' : ` (skipped: no ${CHROMIUM}; sudo apt-get install -y chromium)`}`,
  () => {
    it('shows the orders placed, the ticket opened and the DLQ depth, refreshed live', async () => {
      // Prepare: two orders and a ticket, after the dead letter of the previous describe.
      const product = `OPS-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
      expect(
        (
          await api.request('PUT', `/products/${product}`, {
            token: staff,
            body: { name: 'Ops page thing', price: 900, currency: 'EUR' },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await api.request('POST', `/products/${product}/stock-movements`, {
            token: staff,
            body: { quantity: 10, reason: 'receipt' },
          })
        ).status,
      ).toBe(201);
      const customer = await api.token('ops-page-customer');
      for (let i = 0; i < 2; i++) {
        const placed = await api.request('POST', '/orders', {
          token: customer,
          headers: { 'idempotency-key': crypto.randomUUID() },
          body: {
            lines: [{ sku: product, quantity: 1 }],
            shippingAddress: {
              name: 'Ops',
              line1: '1 Dash St',
              city: 'Berlin',
              postalCode: '10115',
              country: 'DE',
            },
          },
        });
        expect(placed.status).toBe(201);
      }
      const ticket = await api.request('POST', '/tickets', {
        token: customer,
        body: {
          type: 'service_request',
          subject: 'Where is my parcel?',
          description: 'Ordered twice',
          priority: 'normal',
        },
      });
      expect(ticket.status).toBe(201);

      // Act: open the page in headless Chromium.
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
        await page.goto(`${runtime.url}/_local/ops`);
        /** The figure of a widget's metric once it is above zero (the page refreshes every 2 s). */
        const figure = async (widget: string, label: string): Promise<number> => {
          // A page-side expression (a string: this file is not compiled against the DOM types).
          const handle = await page.waitForFunction(
            `(() => {
              const item = [...document.querySelectorAll('[data-widget]')]
                .find((e) => e.getAttribute('data-widget') === ${JSON.stringify(widget)})
                ?.querySelector('[data-label=' + ${JSON.stringify(JSON.stringify(label))} + ']');
              const value = Number(item?.getAttribute('data-value') || 0);
              return value > 0 ? value : undefined;
            })()`,
            undefined,
            { timeout: 30_000, polling: 500 },
          );
          return (await handle.jsonValue()) as number;
        };

        // Assess: every section of the dashboard, the orders, the ticket and the dead letter.
        for (const section of ['API', 'Business', 'Functions', 'Queues', 'Table, stream and scheduler'])
          await page.locator(`section[data-section="${section}"]`).waitFor({ timeout: 30_000 });
        expect(
          await figure('orders routes: requests, 4xx, 5xx, latency p50/p99', 'requests'),
        ).toBeGreaterThanOrEqual(2);
        expect(
          await figure('orders: invocations, errors, throttles, concurrency', 'invocations'),
        ).toBeGreaterThanOrEqual(2);
        expect(
          await figure('tickets routes: requests, 4xx, 5xx, latency p50/p99', 'requests'),
        ).toBeGreaterThanOrEqual(1);
        expect(
          await figure('alerting queue: visible, oldest age (s), DLQ depth', 'DLQ depth'),
        ).toBeGreaterThanOrEqual(1);
        // Business KPIs, once the handlers record them (Powertools in every function, helper obsfn).
        for (const [widget, label, least] of [
          ['Orders', 'OrdersPlaced', 2],
          ['Service desk', 'TicketsOpened', 1],
        ] as const) {
          const recorded = await page
            .locator(`[data-widget="${widget}"] [data-label="${label}"]`)
            .getAttribute('data-value');
          if (recorded) expect(Number(recorded), label).toBeGreaterThanOrEqual(least);
        }
        // What CloudWatch would not show locally is said, not drawn as zeros.
        expect(await page.getByText('not measured locally').count()).toBeGreaterThan(0);
        // Live: the page polls /_local/ops/data and redraws without a reload.
        const shown = await page.evaluate('document.body.dataset.updated');
        await page.waitForFunction(`document.body.dataset.updated !== ${JSON.stringify(shown)}`, undefined, {
          timeout: 15_000,
        });
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS}ops-page.png`, fullPage: true });
        expect(existsSync(`${ARTIFACTS}ops-page.png`)).toBe(true);
      } finally {
        await browser.close();
      }
    }, 90_000);
  },
);
