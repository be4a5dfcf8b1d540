/**
 * Data safety under faults (issue 15, item 5): DynamoDB throttling and transient errors injected
 * with aws-sdk-client-mock into order intake, ticket creation, coupon redemption (HTTP: 503 with
 * Retry-After, never a 500) and invoice issuing (a consumer: the record fails and SQS retries it),
 * and the mock's calls inspected: the only writes ever sent are whole `TransactWriteItems`, so a
 * throttled request leaves nothing half-written. The SDK's own retries are bounded by the strategy
 * tested at the end (the mock replaces `send`, so each injected error is what the SDK threw once
 * its budget was spent).
 */
import {
  DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext, orderFromPlaced, sampleEvent, sqsRecordFor } from '../../support/backbone.ts';

process.env.TABLE_NAME ??= 'faults-unit-test';
process.env.EVENT_SOURCE ??= 'storeline.test';

const { boundedRetryStrategy, DEFAULT_RETRY_BUDGET, isTransientFault, RETRY_AFTER_SECONDS } = await import(
  '#shared/faults.ts'
);
const { transactWrite } = await import('#shared/transactions.ts');
const orders = await import('#functions/orders/handler.ts');
const tickets = await import('#functions/tickets/handler.ts');
const coupons = await import('#functions/coupons/handler.ts');
const invoicing = await import('#functions/invoicing/consumer.ts');
const { orderKey } = await import('#functions/orders/orders.ts');

const ddb = mockClient(DynamoDBDocumentClient);

const meta = { httpStatusCode: 400, attempts: 3, totalRetryDelay: 1500 };
/** Each fault as the SDK throws it once its retries are spent. */
const faults: Record<string, () => Error> = {
  ProvisionedThroughputExceededException: () =>
    new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: meta }),
  ThrottlingException: () =>
    new DynamoDBServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      message: 'Rate of requests exceeds the allowed throughput',
      $metadata: meta,
    }),
  RequestLimitExceeded: () =>
    new DynamoDBServiceException({
      name: 'RequestLimitExceeded',
      $fault: 'client',
      message: 'Throughput exceeds the current account limit',
      $metadata: meta,
    }),
  'TransactionCanceledException (ThrottlingError)': () =>
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: meta,
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }, { Code: 'None' }],
    }),
  InternalServerError: () =>
    new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }),
};

/** No single-item or batch write was sent: the only writes are whole transactions. */
function expectOnlyWholeTransactions() {
  expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(0);
  for (const call of ddb.commandCalls(TransactWriteCommand)) {
    expect(call.args[0].input.TransactItems?.length).toBeGreaterThan(0);
  }
}

function httpEvent(
  routeKey: string,
  init: { path?: string; params?: Record<string, string>; body?: unknown; key?: string; staff?: boolean },
) {
  const [method, template] = routeKey.split(' ') as [string, string];
  const claims = { sub: 'fault-tester', 'cognito:groups': init.staff ? '[staff]' : '[]' };
  return {
    version: '2.0',
    routeKey,
    rawPath: init.path ?? template,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      ...(init.key ? { 'idempotency-key': init.key } : {}),
    },
    pathParameters: init.params,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-faults',
      http: { method, path: init.path ?? template },
      authorizer: { jwt: { claims } },
    },
  } as unknown as APIGatewayProxyEventV2;
}

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

async function call(handler: Handler, event: APIGatewayProxyEventV2) {
  const res = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  return { ...res, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined };
}

function expectUnavailable(res: Awaited<ReturnType<typeof call>>) {
  expect(res.statusCode).toBe(503);
  expect(res.headers?.['content-type']).toBe('application/problem+json');
  expect(res.headers?.['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
  expect(res.json).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
}

const product = {
  pk: 'PRODUCT#FAULT-1',
  sk: 'PRODUCT',
  sku: 'FAULT-1',
  name: 'Fault',
  price: 1250,
  currency: 'EUR',
  active: true,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const address = { name: 'Alice', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

beforeEach(() => {
  ddb.reset();
  // Reads answer "nothing there" unless a test says otherwise.
  ddb.on(GetCommand).resolves({});
  ddb.on(BatchGetCommand).resolves({ Responses: { [process.env.TABLE_NAME as string]: [product] } });
});

describe.each(Object.entries(faults))('%s, retries spent', (_name, fault) => {
  it('order intake: 503 + Retry-After, and the order transaction was the only write', async () => {
    ddb.on(TransactWriteCommand).rejects(fault());
    const res = await call(
      orders.handler as unknown as Handler,
      httpEvent('POST /orders', {
        key: `k-${_name}`,
        body: { lines: [{ sku: 'FAULT-1', quantity: 2 }], shippingAddress: address },
      }),
    );
    expectUnavailable(res);
    expectOnlyWholeTransactions();
    const sent = ddb.commandCalls(TransactWriteCommand);
    expect(sent.length).toBeGreaterThan(0);
    // Order, its OrderPlaced event and the stock reservation travel together, every time.
    for (const { args } of sent) {
      const items = args[0].input.TransactItems ?? [];
      expect(items.some((i) => i.Put?.Item?.entity === 'Order')).toBe(true);
      expect(items.some((i) => String(i.Put?.Item?.pk ?? '').startsWith('OUTBOX'))).toBe(true);
      expect(items.some((i) => i.Update !== undefined)).toBe(true);
    }
  });

  it('ticket creation: 503 + Retry-After, number, ticket and events in one transaction or not at all', async () => {
    ddb.on(TransactWriteCommand).rejects(fault());
    const res = await call(
      tickets.handler as unknown as Handler,
      httpEvent('POST /tickets', {
        key: `t-${_name}`,
        staff: true,
        body: { type: 'incident', subject: 'Printer on fire', description: 'Smoke', priority: 'normal' },
      }),
    );
    expectUnavailable(res);
    expectOnlyWholeTransactions();
    expect(ddb.commandCalls(TransactWriteCommand).length).toBeGreaterThan(0);
  });

  it('coupon redemption: 503 + Retry-After when the coupon cannot be read, nothing written', async () => {
    ddb.on(GetCommand).rejects(fault());
    const res = await call(
      coupons.handler as unknown as Handler,
      httpEvent('POST /coupons/{code}/redemptions', {
        path: '/coupons/SAVE10/redemptions',
        params: { code: 'SAVE10' },
        key: `c-${_name}`,
        body: { subtotal: 5000, currency: 'EUR' },
      }),
    );
    expectUnavailable(res);
    expectOnlyWholeTransactions();
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('invoice issuing (consumer): the record fails for SQS to retry; number and invoice were one transaction', async () => {
    const placed = sampleEvent('OrderPlaced');
    const order = orderFromPlaced(placed);
    ddb.on(GetCommand, { Key: orderKey(order.id) }).resolves({ Item: { ...orderKey(order.id), ...order } });
    ddb.on(TransactWriteCommand).rejects(fault());
    const record = sqsRecordFor(placed);
    // The one record of the batch failed: the batch fails as a whole and SQS delivers it again.
    await expect(
      invoicing.handler({ Records: [record] } as never, lambdaContext('invoicing')),
    ).rejects.toThrow(/All records failed/);
    expectOnlyWholeTransactions();
    const sent = ddb.commandCalls(TransactWriteCommand);
    expect(sent.length).toBeGreaterThan(0);
    for (const { args } of sent) {
      const items = args[0].input.TransactItems ?? [];
      // The counter advance, the invoice and its consumer marker: one transaction.
      expect(items.length).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('Function: isTransientFault', () => {
  it('knows every injected fault, and not a failed condition or a bug', () => {
    for (const fault of Object.values(faults)) expect(isTransientFault(fault())).toBe(true);
    const condition = new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ThrottlingError' }],
    });
    expect(isTransientFault(condition)).toBe(false);
    expect(isTransientFault(new Error('undefined is not a function'))).toBe(false);
    expect(isTransientFault('nope')).toBe(false);
  });
});

describe('Function: transactWrite under throttled cancellations', () => {
  const writes = [
    { tag: 'a', write: { Put: { TableName: 't', Item: { pk: 'a', sk: 'a' } } } },
    { tag: 'b', write: { Put: { TableName: 't', Item: { pk: 'b', sk: 'b' } } } },
  ];
  const noSleep = { sleep: async () => {}, random: () => 0 };

  it('sends the same whole transaction again, then throws the throttling for the edge to answer 503', async () => {
    ddb.on(TransactWriteCommand).rejects(faults['TransactionCanceledException (ThrottlingError)']?.());
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    await expect(transactWrite(client, writes, { ...noSleep, maxAttempts: 4 })).rejects.toSatisfy(
      isTransientFault,
    );
    const sent = ddb.commandCalls(TransactWriteCommand);
    expect(sent).toHaveLength(4);
    for (const { args } of sent) expect(args[0].input.TransactItems).toHaveLength(2);
  });

  it('commits when the throttling passes within the budget', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(faults['TransactionCanceledException (ThrottlingError)']?.())
      .resolves({});
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    await expect(transactWrite(client, writes, noSleep)).resolves.toEqual({ ok: true });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});

describe('Function: boundedRetryStrategy', () => {
  const throttled = { errorType: 'THROTTLING' as const };

  it('stops after maxAttempts attempts', async () => {
    const strategy = boundedRetryStrategy(DEFAULT_RETRY_BUDGET, { now: () => 0, random: () => 0.5 });
    let token = await strategy.acquireInitialRetryToken('dynamodb');
    let retries = 0;
    for (;;) {
      try {
        token = await strategy.refreshRetryTokenForRetry(token, throttled);
        retries++;
      } catch {
        break;
      }
    }
    expect(retries).toBe(DEFAULT_RETRY_BUDGET.maxAttempts - 1);
  });

  it('never starts an attempt that could end after the total budget', async () => {
    let clock = 0;
    const strategy = boundedRetryStrategy(DEFAULT_RETRY_BUDGET, { now: () => clock, random: () => 0.99 });
    const token = await strategy.acquireInitialRetryToken('dynamodb');
    // The first attempt hung for its whole socket timeout, and then some.
    clock = DEFAULT_RETRY_BUDGET.totalBudgetMs - DEFAULT_RETRY_BUDGET.requestTimeoutMs;
    await expect(strategy.refreshRetryTokenForRetry(token, throttled)).rejects.toThrow(/time budget/);
  });

  it('backs off longer for throttling than for transient errors, and never retries client errors', async () => {
    const strategy = boundedRetryStrategy(DEFAULT_RETRY_BUDGET, { now: () => 0, random: () => 0.99 });
    const token = await strategy.acquireInitialRetryToken('dynamodb');
    const afterThrottle = await strategy.refreshRetryTokenForRetry(token, throttled);
    const afterTransient = await strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
    expect(afterThrottle.getRetryDelay()).toBeGreaterThan(afterTransient.getRetryDelay());
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: 'CLIENT_ERROR' })).rejects.toThrow();
  });

  it('fits the worst case inside the 10 s timeout of the table functions', () => {
    const b = DEFAULT_RETRY_BUDGET;
    // The last attempt starts at most totalBudget - requestTimeout after the first and lasts at most requestTimeout.
    expect(b.totalBudgetMs).toBeLessThan(10_000);
    expect(b.maxAttempts * b.requestTimeoutMs).toBeLessThanOrEqual(b.totalBudgetMs);
  });
});
