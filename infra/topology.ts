/**
 * Storeline's topology: the table, the bus, every function with its routes, stream subscription,
 * queue and schedules. The CDK stack and the local runtime are generated from this object; tests
 * derive their expectations from it.
 */
import { subscribeTo } from '#events/subscriptions.ts';
import { httpRoutes } from '#functions/routes.ts';
import type { RouteSpec } from '#shared/http/contract.ts';
import { OUTBOX_PK_PREFIX } from '#shared/outbox.ts';
import type { FunctionSpec, Topology } from './topology/types.ts';

export type { FunctionSpec, Topology } from './topology/types.ts';

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
    },
    catalog: {
      entry: 'functions/catalog/handler.ts',
      description: 'Products and stock levels',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readWrite',
      routes: httpRoutes.catalog,
    },
    orders: {
      entry: 'functions/orders/handler.ts',
      description: 'Order intake (reservation, idempotency), lifecycle and order queries',
      memoryMb: 1024,
      timeoutSeconds: 10,
      table: 'readWrite',
      routes: httpRoutes.orders,
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
      description: 'Per-day, per-channel sales counters from placed and cancelled orders',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
      consumer: {
        events: subscribeTo('OrderPlaced', 'OrderCancelled'),
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
    replenishment: {
      entry: 'functions/replenishment/consumer.ts',
      description: 'Low-stock monitor: StockLow and a suggestion once per reorder-point crossing',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readWrite',
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
      routes: httpRoutes.replenishment,
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

/**
 * The environment every function gets, in AWS and locally. Resource names are passed in because
 * they differ: CDK tokens in AWS, plain names locally.
 */
export function functionEnvironment(
  name: string,
  fn: FunctionSpec,
  resources: { tableName: string; busName: string },
  t: Topology = topology,
): Record<string, string> {
  return {
    TABLE_NAME: resources.tableName,
    EVENT_BUS_NAME: resources.busName,
    // EventBridge sources are lower-case: `salesReports` publishes as `storeline.sales-reports`.
    EVENT_SOURCE: `${t.service}.${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    POWERTOOLS_SERVICE_NAME: `${t.service}-${name}`,
    POWERTOOLS_METRICS_NAMESPACE: 'Storeline',
    NODE_OPTIONS: '--enable-source-maps',
    ...fn.environment,
  };
}
