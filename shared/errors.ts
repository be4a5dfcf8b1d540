/**
 * Typed domain errors. Domain code throws these; only the HTTP edge maps them to problem+json
 * (see `#shared/http/problem.ts`). Codes, statuses and each code's extra members are the contract
 * described in docs/api.md and in the OpenAPI document, both generated from this catalogue.
 */

/** One validation failure, `path` in JSON-pointer-ish dotted form (`lines.0.sku`). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * Every code the API answers with: its status and title, all a function needs at run time. When
 * each happens and the members its problem document carries are in `#shared/error-docs.ts`, read
 * only by the OpenAPI document and docs/api.md, so that no function bundles or builds them.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed' },
  MALFORMED_JSON: { status: 400, title: 'Request body is not valid JSON' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  OUT_OF_STOCK: { status: 409, title: 'Out of stock' },
  COUPON_EXHAUSTED: { status: 409, title: 'Coupon exhausted' },
  COUPON_LIMIT_REACHED: { status: 409, title: 'Coupon limit reached' },
  COUPON_NOT_APPLICABLE: { status: 422, title: 'Coupon not applicable' },
  INVALID_STATE: { status: 409, title: 'Invalid state for this operation' },
  ALREADY_EXISTS: { status: 409, title: 'Already exists' },
  VERSION_CONFLICT: { status: 412, title: 'Version conflict' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused with a different request' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  INTERNAL: { status: 500, title: 'Internal error' },
  PRECONDITION_REQUIRED: { status: 428, title: 'Precondition required' },
  RETURN_QUANTITY_EXCEEDED: { status: 409, title: 'Return quantity exceeded' },
  OVER_RECEIPT: { status: 409, title: 'More than ordered' },
  RECIPIENT_UNAVAILABLE: { status: 422, title: 'Recipient unavailable' },
  INSUFFICIENT_POINTS: { status: 409, title: 'Not enough loyalty points' },
  POINTS_NOT_APPLICABLE: { status: 422, title: 'Loyalty points not applicable' },
  SEGMENT_LIMIT_REACHED: { status: 409, title: 'Too many segments' },
  CHANGE_NOT_READY: { status: 409, title: 'Change not ready to resolve' },
  TICKET_TYPE_MISMATCH: { status: 409, title: 'Not possible for this ticket type' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error the caller can act on; `extra` fields are merged into the problem document. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.extra = extra;
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} was not found`);
