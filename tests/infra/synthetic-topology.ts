/**
 * A small topology that exercises every wiring path the real one does not use yet: a stream
 * subscriber that publishes to the bus, SQS consumers with several rules, schedules, and routes of
 * every access level. Entries point at an existing handler: only the wiring is under test.
 */

import type { Topology } from '#infra/topology.ts';
import type { RouteSpec } from '#shared/http/contract.ts';

const ENTRY = 'functions/platform/handler.ts';

const route = (method: RouteSpec['method'], path: string, access: RouteSpec['access']): RouteSpec => ({
  method,
  path,
  access,
  operationId: `${method.toLowerCase()}${path.replaceAll(/[^A-Za-z]/g, '')}`,
  summary: `${method} ${path}`,
  tag: 'synthetic',
  responses: { 200: { description: 'OK' } },
});

export const syntheticTopology = {
  service: 'synthetic',
  table: {
    name: 'synthetic',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [{ name: 'byOwner', partitionKey: 'ownerPk', sortKey: 'ownerSk', purpose: 'test index' }],
    ttlAttribute: 'ttl',
    stream: 'NEW_AND_OLD_IMAGES',
  },
  bus: { name: 'synthetic', archiveRetentionDays: 0 },
  functions: {
    api: {
      entry: ENTRY,
      description: 'Routes of every access level',
      memoryMb: 384,
      timeoutSeconds: 7,
      table: 'read',
      routes: {
        health: route('GET', '/health', 'public'),
        hook: route('POST', '/webhooks/test', 'signed'),
        mine: route('GET', '/things/{id}', 'authenticated'),
        admin: route('PATCH', '/things/{id}', 'staff'),
      },
    },
    publisher: {
      entry: ENTRY,
      description: 'Outbox publisher',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'read',
      publishesToBus: true,
      stream: {
        batchSize: 50,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 8,
        bisectBatchOnError: true,
        parallelizationFactor: 2,
        filter: { eventName: 'INSERT', pkPrefix: 'OUTBOX#' },
      },
    },
    fulfilment: {
      entry: ENTRY,
      description: 'Fulfilment consumer',
      memoryMb: 512,
      timeoutSeconds: 20,
      table: 'readWrite',
      environment: { EXTRA: 'yes' },
      consumer: {
        events: [
          { source: 'synthetic.orders', detailTypes: ['OrderPlaced', 'OrderCancelled'] },
          { source: 'synthetic.catalog', detailTypes: ['StockLow'] },
        ],
        batchSize: 10,
        maxBatchingWindowSeconds: 2,
        visibilityTimeoutSeconds: 120,
        maxReceiveCount: 5,
        maxConcurrency: 3,
        dlqRetentionDays: 14,
      },
    },
    alerting: {
      entry: ENTRY,
      description: 'Second consumer',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'none',
      consumer: {
        events: [{ source: 'synthetic.tickets', detailTypes: ['TicketBreached'] }],
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 3,
        dlqRetentionDays: 7,
      },
    },
    sweeper: {
      entry: ENTRY,
      description: 'Scheduled scans',
      memoryMb: 256,
      timeoutSeconds: 60,
      table: 'readWrite',
      schedules: [
        { name: 'reservation-expiry', expression: 'rate(5 minutes)', description: 'Expire reservations' },
        { name: 'sla-scan', expression: 'cron(0/15 * * * ? *)', description: 'SLA breach scan' },
      ],
    },
  },
} as const satisfies Topology;
