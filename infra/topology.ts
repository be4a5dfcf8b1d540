/**
 * Storeline's topology: the table, the bus, every function with its routes, stream subscription,
 * queue and schedules. The CDK stack and the local runtime are generated from this object; tests
 * derive their expectations from it.
 */
import { subscribeTo } from '#events/subscriptions.ts';
import { httpRoutes } from '#functions/routes.ts';
import { timelineEventTypes } from '#functions/timeline/mappings.ts';
import {
  GENERATED_SECRET_LABEL,
  LOCAL_WEBHOOK_SECRET,
  WEBHOOK_ROUTE_THROTTLE,
  WEBHOOK_SECRET_VARIABLE,
  WEBHOOK_SECRETS_ARN_VARIABLE,
} from '#functions/webhooks/settings.ts';
import type { RouteSpec } from '#shared/http/contract.ts';
import { OUTBOX_PK_PREFIX } from '#shared/outbox.ts';
import { timerVariables } from '#shared/timers.ts';
import type { FunctionSpec, TimerSpec, Topology } from './topology/types.ts';

export type { FunctionSpec, TimerSpec, Topology } from './topology/types.ts';

export const topology = {
  service: 'storeline',
  table: {
    name: 'storeline',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      {
        name: 'gsi1',
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        purpose: 'Secondary lookups by owner, newest first (e.g. orders by customer)',
      },
      {
        name: 'gsi2',
        partitionKey: 'gsi2pk',
        sortKey: 'gsi2sk',
        purpose: 'Lookups by a unique attribute or a status (e.g. customer by email, tickets by status)',
      },
    ],
    ttlAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
  bus: { name: 'storeline', archiveRetentionDays: 30 },
  functions: {
    platform: {
      entry: 'functions/platform/handler.ts',
      description: 'Health and the generated OpenAPI document',
      memoryMb: 256,
      timeoutSeconds: 5,
      table: 'none',
      routes: httpRoutes.platform,
      // Written by `node scripts/gen-api-docs.ts`; the handler reads it from beside its bundle.
      assets: ['functions/platform/openapi.json'],
    },
    catalog: {
      entry: 'functions/catalog/handler.ts',
      description: 'Products and stock levels',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      routes: httpRoutes.catalog,
      environment: {
        // `available`: customers see `stock.available` only, not the sales volume (docs/security.md).
        CUSTOMER_STOCK_VIEW: 'full',
      },
    },
    orders: {
      entry: 'functions/orders/handler.ts',
      description: 'Order intake (reservation, idempotency), lifecycle and order queries',
      memoryMb: 1024,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      routes: httpRoutes.orders,
      // Each order is one transaction over its SKUs' stock items (a popular SKU is one hot item) and
      // fans out to seven consumers, invoicing's gapless counter two batches at a time: 100 orders/s
      // (burst 200) keeps a flood of orders from conflict storms on a stock item and an unbounded
      // invoicing backlog, while the rest of the API keeps the stage's budget (docs/security.md).
      routeKeyThrottles: { 'POST /orders': { rateLimit: 100, burstLimit: 200 } },
    },
    publisher: {
      entry: 'functions/publisher/handler.ts',
      description: 'Puts outbox events on the bus: table stream, outbox INSERTs only',
      memoryMb: 256,
      timeoutSeconds: 30,
      // Reads the stream (granted by its event source), never the table.
      table: 'none',
      publishesToBus: true,
      stream: {
        batchSize: 100,
        maxBatchingWindowSeconds: 0,
        retryAttempts: 10,
        bisectBatchOnError: true,
        // One batch per shard at a time keeps each shard's events in order.
        parallelizationFactor: 1,
        filter: { eventName: 'INSERT', pkPrefix: OUTBOX_PK_PREFIX },
      },
    },
    fulfilment: {
      entry: 'functions/fulfilment/handler.ts',
      description: 'Starts fulfilment of placed orders: pick list, order FULFILLING, FulfilmentStarted',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      consumer: {
        events: subscribeTo('OrderPlaced'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
    },
    salesReports: {
      entry: 'functions/reports/consumer.ts',
      description: 'Per-day, per-channel sales counters from placed and cancelled orders and credit notes',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('OrderPlaced', 'OrderCancelled', 'CreditNoteIssued'),
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
        // Every order adds to its day × channel row: two batches at a time keep those rows'
        // transactions from conflicting into the DLQ under a burst (the queue absorbs it).
        maxConcurrency: 2,
      },
    },
    reports: {
      entry: 'functions/reports/handler.ts',
      description: 'Sales reports, read from the counters by key',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'read',
      routes: httpRoutes.reports,
    },
    customers: {
      entry: 'functions/customers/handler.ts',
      description: 'Customers (unique email, search, If-Match changes), consent and the interaction log',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi2'],
      routes: httpRoutes.customers,
    },
    customerProfiles: {
      entry: 'functions/customers/consumer.ts',
      description: 'Creates the customer record of an order’s customer who has none (origin order)',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('OrderPlaced', 'CustomerErased'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
    },
    webhooks: {
      entry: 'functions/webhooks/handler.ts',
      description: 'Signed marketing webhooks: consent and contact changes, recorded once per event id',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi2'],
      routes: httpRoutes.webhooks,
      secrets: [
        {
          name: 'webhookSigningSecrets',
          description:
            'Active HMAC secrets of the marketing webhook: a JSON object of label → secret, every value ' +
            'accepted (two during a rotation; docs/operations.md)',
          arnVariable: WEBHOOK_SECRETS_ARN_VARIABLE,
          generateKey: GENERATED_SECRET_LABEL,
          localVariable: WEBHOOK_SECRET_VARIABLE,
          localDefault: LOCAL_WEBHOOK_SECRET,
        },
      ],
      // Open to the internet without a token: a budget of its own, far below the stage's, so a
      // flood of forged requests cannot starve the API of the stage's throughput.
      routeThrottle: WEBHOOK_ROUTE_THROTTLE,
    },
    timeline: {
      entry: 'functions/timeline/consumer.ts',
      description: 'Customer timelines: one entry per event about a customer, from the mappings',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        // Every event type with a timeline mapping, so a new mapping is subscribed by itself. Each
        // event writes only its customer's partition: no shared row, no concurrency bound.
        events: subscribeTo(...timelineEventTypes, 'CustomerErased'),
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
    },
    timelineApi: {
      entry: 'functions/timeline/handler.ts',
      description: 'Customer timelines, one Query per page',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'read',
      routes: httpRoutes.timeline,
    },
    returns: {
      entry: 'functions/returns/handler.ts',
      description: 'Returns (RMA): open, approve, reject, receive (restock or scrap) and return queries',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      routes: httpRoutes.returns,
    },
    pipeline: {
      entry: 'functions/pipeline/handler.ts',
      description:
        'Sales pipeline: leads, conversion, opportunity stages with history, activities, forecast report',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1', 'gsi2'],
      routes: httpRoutes.pipeline,
    },
    pipelineForecast: {
      entry: 'functions/pipeline/consumer.ts',
      description: 'Per-month, per-owner pipeline counters (stage counts and amounts, weighted forecast)',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('OpportunityCreated', 'OpportunityStageChanged', 'OpportunityUpdated'),
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
        // Changes add to month × owner rows: two batches at a time keep one owner's busy rows
        // from conflicting into the DLQ when many of their opportunities move at once.
        maxConcurrency: 2,
      },
    },
    invoicing: {
      entry: 'functions/invoicing/consumer.ts',
      description: 'Invoices placed orders and credits cancellations and returns, numbered gaplessly',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      consumer: {
        events: subscribeTo('OrderPlaced', 'OrderCancelled', 'ReturnReceived'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        // More receives than the other consumers: a delivery that loses the counter race more
        // times than the framework re-runs it is retried, never dead-lettered for contention.
        maxReceiveCount: 10,
        dlqRetentionDays: 14,
        // Every document advances its year's INV or CRN counter, one deliberately hot item:
        // two batches at a time (Lambda's minimum) keep its conditional writes from colliding
        // into retries; the queue absorbs a burst.
        maxConcurrency: 2,
      },
    },
    invoices: {
      entry: 'functions/invoicing/handler.ts',
      description: 'Invoices and credit notes for their customer or staff',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'read',
      indexes: ['gsi1'],
      routes: httpRoutes.invoices,
    },
    replenishment: {
      entry: 'functions/replenishment/consumer.ts',
      description: 'Low-stock monitor: StockLow and a suggestion once per reorder-point crossing',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi2'],
      consumer: {
        events: subscribeTo('OrderPlaced', 'OrderCancelled', 'StockChanged', 'ReturnReceived'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
    },
    purchasing: {
      entry: 'functions/replenishment/handler.ts',
      description: 'Replenishment suggestions and purchase orders: create, send, cancel, receive into stock',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi2'],
      routes: httpRoutes.replenishment,
    },
    opportunityOrders: {
      entry: 'functions/orders/opportunity-orders.ts',
      description: 'Places the order a won opportunity asks for (once per opportunity); reports refusals',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      consumer: {
        events: subscribeTo('OpportunityWon', 'CustomerErased'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
    },
    opportunityOrderOutcomes: {
      entry: 'functions/pipeline/order-outcomes.ts',
      description: 'Records on a won opportunity that the order it asked for was refused, and why',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1', 'gsi2'],
      consumer: {
        events: subscribeTo('OpportunityOrderRefused'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
    },
    ticketSlaTimers: {
      entry: 'functions/ticket-timers/consumer.ts',
      description: 'SLA timers: a warning and a breach schedule per running SLA clock, newest version wins',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('TicketSlaChanged'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
      timers: [
        {
          name: 'slaTimers',
          target: 'ticketSlaAlarms',
          description: 'One-time schedules at the warning and due times of running SLA clocks',
        },
      ],
    },
    ticketSlaAlarms: {
      entry: 'functions/ticket-timers/handler.ts',
      description:
        'Invoked by an SLA timer: TicketSlaWarning or TicketSlaBreached once, if the clock still runs',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
    },
    receipts: {
      entry: 'functions/receipts/consumer.ts',
      description: 'eReceipts: emails the customer their invoice, at most once per invoice, unless opted out',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readWrite',
      indexes: ['gsi1'],
      sends: { email: true },
      consumer: {
        events: subscribeTo('InvoiceIssued'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 180,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
        // SES has a per-account sending rate (1/s in the sandbox, 14/s at first in production):
        // two batches at a time, each sending one by one, keep a burst of invoices below it;
        // the queue absorbs the burst.
        maxConcurrency: 2,
      },
    },
    receiptsApi: {
      entry: 'functions/receipts/handler.ts',
      description: 'Sends an invoice’s receipt again on request (its customer or staff)',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      sends: { email: true },
      routes: httpRoutes.receipts,
    },
    serviceDeskReports: {
      entry: 'functions/reports/service-desk-consumer.ts',
      description: 'Per-day service-desk counters and the backlog by status, from the ticket events',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('TicketCreated', 'TicketStatusChanged', 'TicketResolved'),
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
        // Every ticket event adds to its day × type row and its backlog shard: two batches at a
        // time keep those rows' transactions from conflicting into the DLQ under a burst.
        maxConcurrency: 2,
      },
    },
    customerInsights: {
      entry: 'functions/reports/insights-consumer.ts',
      description: 'Customer insights: per-customer RFM state, RFM histogram cells and cohort counters',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('OrderPlaced', 'OrderCancelled', 'CreditNoteIssued'),
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
        // Every order moves its customer between shared rows (a histogram cell, a cohort × month
        // counter) in the currency's partition: two batches at a time keep those conditional
        // writes from conflicting into the DLQ under a burst; the rows are sharded as well.
        maxConcurrency: 2,
      },
    },
    loyaltyApi: {
      entry: 'functions/loyalty/handler.ts',
      description: "A customer's loyalty balance and ledger, one Get and one Query per page",
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'read',
      indexes: ['gsi1'],
      routes: httpRoutes.loyalty,
    },
    loyalty: {
      entry: 'functions/loyalty/consumer.ts',
      description: 'Loyalty points: earned on delivery, taken back on returns, refunded on cancellation',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      consumer: {
        events: subscribeTo('OrderDelivered', 'OrderCancelled', 'CreditNoteIssued'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        // A posting conditioned on a customer's balance may lose to a checkout spending from it:
        // more receives than usual, so contention is retried, never dead-lettered. Each customer
        // has their own balance, so no concurrency bound is needed.
        maxReceiveCount: 10,
        dlqRetentionDays: 14,
      },
    },
    segments: {
      entry: 'functions/segments/handler.ts',
      description: 'Customer segments for staff: define rules, read member counts and page through members',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      routes: httpRoutes.segments,
    },
    segmentFacts: {
      entry: 'functions/segments/consumer.ts',
      description:
        'Customer facts from orders, returns, consent and loyalty; segment membership kept current',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo(
          'OrderPlaced',
          'OrderCancelled',
          'CreditNoteIssued',
          'ConsentChanged',
          'CustomerCreated',
          'CustomerUpdated',
          'LoyaltyPointsChanged',
        ),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        // A delivery that loses the member-count race more times than the framework re-runs it is
        // retried, never dead-lettered for contention.
        maxReceiveCount: 10,
        dlqRetentionDays: 14,
        // Every membership change moves its segment's `memberCount`: two batches at a time keep
        // those few rows from conflicting into retries under a burst; the queue absorbs it.
        maxConcurrency: 2,
      },
    },
    segmentBackfill: {
      entry: 'functions/segments/backfill.ts',
      description: 'Judges every existing customer by a new segment rule, one page of facts per event',
      memoryMb: 512,
      // A page of 50 customers, each possibly a transaction of its own.
      timeoutSeconds: 60,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('SegmentDefined', 'SegmentBackfillContinued'),
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 360,
        maxReceiveCount: 10,
        dlqRetentionDays: 14,
        // Moves member counts like segmentFacts; one chain per revision needs no more.
        maxConcurrency: 2,
      },
    },
    segmentWindows: {
      entry: 'functions/segments/review.ts',
      description: 'Daily: judges again the customers whose spend or order windows moved with time',
      memoryMb: 512,
      timeoutSeconds: 900,
      table: 'readWrite',
      schedules: [
        {
          name: 'segment-windows-daily',
          expression: 'rate(1 day)',
          description:
            'Judges again every customer due in the segment review index (a window contribution expired)',
        },
      ],
    },
    coupons: {
      entry: 'functions/coupons/handler.ts',
      description:
        'Coupons: definitions, live redemption counts, redemption lists and direct (in-store) redemptions',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      routes: httpRoutes.coupons,
    },
    tickets: {
      entry: 'functions/tickets/handler.ts',
      description: 'Opens service-desk tickets: gapless TCK numbers, SLA clocks started, TicketCreated',
      memoryMb: 512,
      // Creation retries the gapless counter inside the request under bursts (create.ts).
      timeoutSeconds: 20,
      table: 'readWrite',
      indexes: ['gsi1'],
      routes: httpRoutes.tickets,
    },
    ticketQueries: {
      entry: 'functions/tickets/query-handler.ts',
      description: 'Service-desk reads: a ticket with its comments, staff lists by filter, a customer’s own',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'read',
      indexes: ['gsi1'],
      routes: httpRoutes.ticketQueries,
    },
    ticketChanges: {
      entry: 'functions/tickets/change-handler.ts',
      description:
        'Service-desk changes: workflow moves, assignment, priority, problem links, change checklists, comments',
      memoryMb: 512,
      timeoutSeconds: 20,
      table: 'readWrite',
      indexes: ['gsi1'],
      routes: httpRoutes.ticketChanges,
    },
    ticketSla: {
      entry: 'functions/tickets/consumer.ts',
      description:
        'Marks a ticket’s SLA clock breached when its breach timer fires (current slaVersion only)',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      consumer: {
        events: subscribeTo('TicketSlaBreached', 'CustomerErased'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
      },
    },
    campaigns: {
      entry: 'functions/campaigns/handler.ts',
      description: 'Email/SMS campaigns to a segment for staff: schedule, read delivery counts, cancel',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
      routes: httpRoutes.campaigns,
      timers: [
        {
          name: 'campaignSends',
          target: 'campaignLauncher',
          description: 'One-time schedules at each scheduled campaign’s send time',
        },
      ],
    },
    campaignLauncher: {
      entry: 'functions/campaigns/launcher.ts',
      description: 'Invoked at a campaign’s send time: SCHEDULED → SENDING and the first page due, once',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      indexes: ['gsi1'],
    },
    campaignSender: {
      entry: 'functions/campaigns/consumer.ts',
      description:
        'Sends one page of a campaign’s segment members per event, consent checked now, throttled, at most once each',
      memoryMb: 256,
      // A page is sized to take at most 20 s at the configured rate (functions/campaigns/throttle.ts).
      timeoutSeconds: 60,
      table: 'readWrite',
      indexes: ['gsi1'],
      sends: { email: true, sms: true },
      environment: {
        // Messages per second per campaign; SES starts production accounts at 14/s.
        CAMPAIGN_SEND_RATE: '10',
      },
      consumer: {
        events: subscribeTo('CampaignPageDue'),
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 360,
        maxReceiveCount: 10,
        dlqRetentionDays: 14,
        // Each campaign is one chain of pages; two at a time bound the total rate to twice the
        // per-campaign rate (the provider's account quota is shared).
        maxConcurrency: 2,
      },
    },
    alerting: {
      entry: 'functions/alerting/consumer.ts',
      description:
        'Alerts (stock low, SLA breaches, AlertRaised, DLQ alarms) → ops notifications and one incident per open fault',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readWrite',
      indexes: ['gsi1'],
      sends: { opsTopic: true },
      consumer: {
        events: subscribeTo('StockLow', 'TicketSlaBreached', 'AlertRaised'),
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 180,
        maxReceiveCount: 5,
        dlqRetentionDays: 14,
        // Every incident takes a number from the desk's one counter, and a storm of one fault
        // comments on one incident: two batches at a time keep those rows from conflict storms
        // (the queue absorbs the storm), and keep the ops topic from paging in bursts.
        maxConcurrency: 2,
      },
    },
    dlqAlarms: {
      entry: 'functions/alerting/alarm-handler.ts',
      description: 'Turns DLQ alarm notifications from the ops topic into AlertRaised (outbox) for alerting',
      memoryMb: 256,
      timeoutSeconds: 10,
      // Writes the outbox only; the topology's narrowest write grant is the table's data.
      table: 'readWrite',
      alarmSubscription: { alarms: 'deadLetterQueues' },
    },
    customerPrivacy: {
      entry: 'functions/customers/privacy-handler.ts',
      description:
        'A customer’s data export and erasure (each context anonymises its copies on CustomerErased)',
      memoryMb: 512,
      // The export reads one bounded page of each context's items.
      timeoutSeconds: 15,
      table: 'readWrite',
      indexes: ['gsi1', 'gsi2'],
      routes: httpRoutes.customerPrivacy,
    },
  },
} as const satisfies Topology;

export type FunctionName = keyof typeof topology.functions;

/** Every function with its name, in declaration order. */
export function functionEntries(t: Topology = topology): [string, FunctionSpec][] {
  return Object.entries(t.functions);
}

/** Every HTTP route with the function serving it. */
export function allRoutes(t: Topology = topology): { functionName: string; route: RouteSpec }[] {
  return functionEntries(t).flatMap(([functionName, fn]) =>
    Object.values(fn.routes ?? {}).map((route) => ({ functionName, route })),
  );
}

/** Where one of a function's timers lives: its schedule group, its target's ARN, the scheduler's role. */
export interface TimerResources {
  readonly group: string;
  readonly targetArn: string;
  readonly roleArn: string;
}

/** The variables a function finds one timer by (`timerFromEnv` in `#shared/timers.ts` reads them). */
export function timerEnvironment(name: string, resources: TimerResources): Record<string, string> {
  const variables = timerVariables(name);
  return {
    [variables.group]: resources.group,
    [variables.targetArn]: resources.targetArn,
    [variables.roleArn]: resources.roleArn,
  };
}

/**
 * Every function's timers, each checked to target another function of the topology (a function
 * cannot be its own target: its environment would hold its own ARN, a cycle in CloudFormation).
 */
export function timerEntries(t: Topology = topology): { owner: string; timer: TimerSpec }[] {
  return functionEntries(t).flatMap(([owner, fn]) =>
    (fn.timers ?? []).map((timer) => {
      if (!(timer.target in t.functions) || timer.target === owner)
        throw new Error(`timer ${timer.name} of ${owner} must target another function of the topology`);
      return { owner, timer };
    }),
  );
}

/**
 * The environment every function gets, in AWS and locally. Resource names are passed in because
 * they differ: CDK tokens in AWS, plain names locally.
 */
export function functionEnvironment(
  name: string,
  fn: FunctionSpec,
  resources: {
    tableName: string;
    busName: string;
    secretArns?: Readonly<Record<string, string>>;
    /** The sender address and ops topic ARN, given to functions whose `sends` names them. */
    messaging?: { readonly mailFrom: string; readonly opsTopicArn: string };
    /** By timer name; the CDK stack adds these after every function exists (`addEnvironment`). */
    timers?: Readonly<Record<string, TimerResources>>;
  },
  t: Topology = topology,
): Record<string, string> {
  // In AWS each secret's ARN (the stack passes them); locally the runtime passes values instead.
  const secretArns: Record<string, string> = {};
  for (const secret of fn.secrets ?? []) {
    const arn = resources.secretArns?.[secret.name];
    if (arn !== undefined) secretArns[secret.arnVariable] = arn;
  }
  return {
    TABLE_NAME: resources.tableName,
    EVENT_BUS_NAME: resources.busName,
    // EventBridge sources are lower-case: `salesReports` publishes as `storeline.sales-reports`.
    EVENT_SOURCE: `${t.service}.${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    POWERTOOLS_SERVICE_NAME: `${t.service}-${name}`,
    POWERTOOLS_METRICS_NAMESPACE: 'Storeline',
    NODE_OPTIONS: '--enable-source-maps',
    ...secretArns,
    ...(fn.sends?.email && resources.messaging ? { MAIL_FROM: resources.messaging.mailFrom } : {}),
    ...(fn.sends?.opsTopic && resources.messaging ? { OPS_TOPIC_ARN: resources.messaging.opsTopicArn } : {}),
    // A consumer counts a message failing its last allowed receive as a DLQ arrival (#shared/consumer.ts).
    ...(fn.consumer ? { MAX_RECEIVE_COUNT: String(fn.consumer.maxReceiveCount) } : {}),
    ...Object.assign(
      {},
      ...(fn.timers ?? []).flatMap((timer) => {
        const found = resources.timers?.[timer.name];
        return found ? [timerEnvironment(timer.name, found)] : [];
      }),
    ),
    ...fn.environment,
  };
}
