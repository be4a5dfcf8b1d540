/**
 * Data safety under faults: how every AWS SDK client of a function retries throttling and
 * transient errors (a bounded budget), and how an exhausted budget is told apart from a bug.
 *
 * Retry budget (docs/security.md, "Data safety under faults"): at most `maxAttempts` attempts,
 * full-jitter exponential backoff (100 ms base, 500 ms for throttling, capped at 1 s), and no
 * attempt is started that could end after `totalBudgetMs` from the first one (each attempt may
 * take up to `requestTimeoutMs`, the socket timeout). With the defaults (3 attempts, 2.5 s per
 * attempt, 8 s in all) a request is answered well inside the 10 s timeout of every function that
 * touches the table; the 30 s consumers use the same budget and let SQS redeliver after it.
 *
 * Standard, not adaptive, mode: one Lambda container serves one request at a time, so adaptive
 * mode's client-side rate limiter learns from one request's throttles only and then delays the
 * first attempt of the next request too, eating the time budget without spreading load across
 * containers. Load is shed at the edge instead (API throttling, consumers' `maxConcurrency`).
 *
 * When the budget is exhausted, the HTTP edge answers 503 `SERVICE_UNAVAILABLE` with
 * `Retry-After` (`#shared/http/handler.ts`); nothing was written, because every multi-item change
 * is one `TransactWriteItems` (all or nothing). A consumer lets the error escape, so the record
 * fails and SQS delivers it again.
 */
import { AppError } from './errors.ts';

export interface RetryBudget {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Socket timeout of one attempt. */
  readonly requestTimeoutMs: number;
  /** No retry starts that could end later than this after the first attempt began. */
  readonly totalBudgetMs: number;
  readonly baseDelayMs: number;
  readonly throttlingBaseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudget = {
  maxAttempts: 3,
  requestTimeoutMs: 2500,
  totalBudgetMs: 8000,
  baseDelayMs: 100,
  throttlingBaseDelayMs: 500,
  maxDelayMs: 1000,
};

/** Seconds a client is told to wait (`Retry-After`) after a 503. */
export const RETRY_AFTER_SECONDS = 2;

/** The SDK's classification of a failed attempt (`RetryErrorType` of `@smithy/types`). */
type RetryErrorType = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';

interface BudgetToken {
  readonly startedAt: number;
  readonly retries: number;
  readonly delay: number;
  getRetryCount(): number;
  getRetryDelay(): number;
}

const tokenOf = (startedAt: number, retries: number, delay: number): BudgetToken => ({
  startedAt,
  retries,
  delay,
  getRetryCount: () => retries,
  getRetryDelay: () => delay,
});

/**
 * A retry strategy (the SDK's `RetryStrategyV2` shape) with the budget above: retries throttling,
 * transient and server errors, never client errors; gives up (the SDK then throws the last error)
 * when the attempts or the time are spent. `now` and `random` are injected by tests.
 */
export function boundedRetryStrategy(
  budget: RetryBudget = DEFAULT_RETRY_BUDGET,
  clock: { now?: () => number; random?: () => number } = {},
) {
  const now = clock.now ?? Date.now;
  const random = clock.random ?? Math.random;
  return {
    mode: 'standard',
    acquireInitialRetryToken: async (_scope: string): Promise<BudgetToken> => tokenOf(now(), 0, 0),
    refreshRetryTokenForRetry: async (
      token: BudgetToken,
      error: { errorType: RetryErrorType },
    ): Promise<BudgetToken> => {
      if (error.errorType === 'CLIENT_ERROR') throw new Error('Not retryable');
      const retries = token.retries + 1;
      if (retries >= budget.maxAttempts) throw new Error('Retry attempts spent');
      const base = error.errorType === 'THROTTLING' ? budget.throttlingBaseDelayMs : budget.baseDelayMs;
      const delay = Math.floor(random() * Math.min(budget.maxDelayMs, base * 2 ** (retries - 1)));
      if (now() - token.startedAt + delay + budget.requestTimeoutMs > budget.totalBudgetMs) {
        throw new Error('Retry time budget spent');
      }
      return tokenOf(token.startedAt, retries, delay);
    },
    recordSuccess: (_token: BudgetToken): void => {},
  };
}

/** The configuration every SDK client of a function is created with. */
export function sdkClientConfig(budget: RetryBudget = DEFAULT_RETRY_BUDGET) {
  return {
    maxAttempts: budget.maxAttempts,
    retryStrategy: boundedRetryStrategy(budget),
    requestHandler: { requestTimeout: budget.requestTimeoutMs, connectionTimeout: budget.requestTimeoutMs },
  };
}

/** Error names AWS services answer when the request was fine but could not be served now. */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionInProgressException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * True for an error that says "not now" rather than "not so": throttling, a service's internal
 * error, a timeout or a dropped connection, and a transaction cancelled for throttling (with no
 * failed condition, which would be an answer). What the SDK threw once its retries were spent.
 */
export function isTransientFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof AppError) return error.code === 'SERVICE_UNAVAILABLE';
  const e = error as Error & {
    $fault?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: string;
    CancellationReasons?: { Code?: string }[];
  };
  if (e.name === 'TransactionCanceledException') {
    const codes = (e.CancellationReasons ?? []).map((reason) => reason.Code);
    return codes.includes('ThrottlingError') && !codes.includes('ConditionalCheckFailed');
  }
  if (TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined) return true;
  return e.$fault === 'server' && (e.$metadata?.httpStatusCode ?? 500) >= 500;
}

/** The 503 an exhausted retry budget becomes at the HTTP edge. */
export const serviceUnavailable = (): AppError =>
  new AppError(
    'SERVICE_UNAVAILABLE',
    'The service is busy or briefly unavailable; nothing was changed. Retry after the time in Retry-After, with the same Idempotency-Key',
  );
