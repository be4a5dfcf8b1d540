/**
 * The customers HTTP contract (docs/api.md: customers): customer records, consent and the
 * interaction log. The topology, the handler and the OpenAPI document are built from these.
 */
import * as z from 'zod';
import { ConsentSource, InteractionKind } from '#events/customers.ts';
import { CustomerId } from '#functions/orders/inputs.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp, pageQueryShape, queryParams } from '#shared/schemas.ts';
import { MIN_SEARCH_CHARS } from './rules.ts';

/** Emails up to RFC 5321's 254 characters, in the common `local@domain.tld` form. */
export const Email = z.email({ message: 'Must be an email address' }).max(254).meta({
  description: 'Email address; unique across customers whatever its letter case',
  example: 'ada@example.com',
});

export const PersonName = z.string().trim().min(1).max(200);

/** A phone number as people write it: digits with an optional leading + and separators. */
export const Phone = z
  .string()
  .trim()
  .regex(
    /^\+?[0-9][0-9 ()./-]{3,30}$/,
    'Digits with an optional leading + and spaces, dots, dashes or brackets',
  )
  .meta({ description: 'Phone number, preferably E.164', example: '+44 20 7946 0958' });

export const ConsentInput = z
  .strictObject({ email: z.boolean().optional(), sms: z.boolean().optional() })
  .meta({ id: 'ConsentInput', description: 'Consent per channel; absent channels stay as they are' });

export const CreateCustomerInput = z
  .strictObject({
    email: Email,
    name: PersonName,
    phone: Phone.optional(),
    marketingConsent: ConsentInput.optional(),
  })
  .meta({ id: 'CreateCustomerInput' });
export type CreateCustomerInput = z.infer<typeof CreateCustomerInput>;

export const UpdateCustomerInput = z
  .strictObject({
    email: Email.optional().meta({
      description: 'Staff only: moves the email’s uniqueness to the new address',
    }),
    name: PersonName.optional(),
    phone: Phone.nullable().optional().meta({ description: 'A number, or `null` to remove it' }),
    marketingConsent: ConsentInput.optional(),
    eReceipts: z.boolean().optional().meta({
      description: 'Receipts by email when an order is invoiced (default `true`); not marketing consent',
    }),
  })
  .refine((change) => Object.values(change).some((v) => v !== undefined), 'Name at least one field to change')
  .meta({ id: 'UpdateCustomerInput' });
export type UpdateCustomerInput = z.infer<typeof UpdateCustomerInput>;

export const ConsentStateView = z
  .object({
    granted: z.boolean(),
    changedAt: IsoTimestamp.optional().meta({ description: 'When it was last set; absent: never' }),
    source: ConsentSource.optional().meta({ description: 'Who last set it' }),
  })
  .meta({ id: 'ConsentState' });

export const CustomerView = z
  .object({
    id: z.string(),
    email: z
      .string()
      .optional()
      .meta({ description: 'Absent for a customer created from their first order' }),
    name: z.string(),
    phone: z.string().optional(),
    marketingConsent: z.object({ email: ConsentStateView, sms: ConsentStateView }),
    version: z.int().min(1).meta({ description: 'Send it back as `If-Match` to change the customer' }),
    eReceipts: z.boolean().meta({
      description: 'Whether receipts are emailed when an order is invoiced (transactional, not marketing)',
    }),
    origin: z.enum(['staff', 'order', 'webhook', 'lead']),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
    erasedAt: IsoTimestamp.optional().meta({
      description: 'When staff erased the customer’s personal data; absent: never',
    }),
  })
  .meta({ id: 'Customer' });
export type CustomerView = z.infer<typeof CustomerView>;

export const CustomerPage = z
  .object({ items: z.array(CustomerView), nextCursor: z.string().nullable() })
  .meta({ id: 'CustomerPage' });

/** Largest interaction body: a long email or call transcript summary, well inside one item. */
export const MAX_INTERACTION_BODY = 10_000;

export const InteractionInput = z
  .strictObject({
    kind: InteractionKind,
    body: z.string().trim().min(1).max(MAX_INTERACTION_BODY),
    direction: z.enum(['inbound', 'outbound']).optional().meta({ description: 'Calls only' }),
    durationSeconds: z
      .int()
      .min(0)
      .max(24 * 3600)
      .optional()
      .meta({ description: 'Calls only' }),
    internal: z.boolean().optional().meta({
      description:
        'Hidden from the customer. Default: `true` for a note, `false` for a call, email or meeting',
    }),
  })
  .superRefine((input, ctx) => {
    if (input.kind !== 'call') {
      for (const field of ['direction', 'durationSeconds'] as const) {
        if (input[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: 'Calls only' });
      }
    }
  })
  .meta({ id: 'InteractionInput' });
export type InteractionInput = z.infer<typeof InteractionInput>;

export const InteractionView = z
  .object({
    id: z.string(),
    customerId: z.string(),
    kind: InteractionKind,
    direction: z.enum(['inbound', 'outbound']).optional(),
    durationSeconds: z.int().optional(),
    body: z.string(),
    internal: z.boolean(),
    author: z.string().meta({ description: 'The `sub` of the staff member who logged it' }),
    occurredAt: IsoTimestamp,
  })
  .meta({ id: 'Interaction' });
export type InteractionView = z.infer<typeof InteractionView>;

export const InteractionPage = z
  .object({ items: z.array(InteractionView), nextCursor: z.string().nullable() })
  .meta({ id: 'InteractionPage' });

const CustomerParams = z.strictObject({ id: CustomerId });

export const ListCustomersQuery = queryParams({
  ...pageQueryShape,
  email: Email.optional().meta({ description: 'Exact match, in any letter case' }),
  q: z
    .string()
    .trim()
    .min(MIN_SEARCH_CHARS)
    .max(100)
    .optional()
    .meta({
      description: `Prefix of a name or email, at least ${MIN_SEARCH_CHARS} characters; accents and case ignored`,
    }),
});

const IF_MATCH =
  'Send the customer’s `version` (or the `ETag` of a GET) as `If-Match`: without it the answer is 428 ' +
  '`PRECONDITION_REQUIRED`; if the customer has changed since, 412 `VERSION_CONFLICT` and nothing is written.';

const ExportEntry = z.object({}).loose();
export const CustomerExport = z
  .object({
    exportedAt: IsoTimestamp,
    sectionLimit: z.int().meta({ description: 'Most items per section' }),
    truncated: z.array(z.string()).meta({ description: 'Sections holding more than `sectionLimit` items' }),
    customer: CustomerView,
    interactions: z.array(InteractionView),
    orders: z.array(ExportEntry),
    tickets: z.array(ExportEntry),
    timeline: z.array(ExportEntry),
    loyalty: z.object({ balance: z.int(), ledger: z.array(ExportEntry) }),
  })
  .meta({ id: 'CustomerExport' });

export const customersTag: ApiTag = {
  name: 'customers',
  description:
    'The CRM core: customer records with an email unique in any letter case, marketing consent per channel ' +
    '(with when and who last changed it), and the contact-centre log of calls, emails, meetings and notes. ' +
    'A signed-in customer’s id is their token’s `sub`; their record is created with their first order.',
};

export const customerRoutes = {
  createCustomer: defineRoute({
    method: 'POST',
    path: '/customers',
    operationId: 'createCustomer',
    summary: 'Create a customer (staff); the email must be free in any letter case',
    description:
      'Staff only. The email is unique case-insensitively: `Ada@Example.com` is taken when `ada@example.com` ' +
      'is, and of racing creates with one address exactly one succeeds (the others `ALREADY_EXISTS`). ' +
      'Consent given here is recorded with source `staff`. An optional `Idempotency-Key` makes retries safe: ' +
      'a retry answers 201 with the customer as it is now; the key with another body is `IDEMPOTENCY_KEY_REUSED`.',
    example: { email: 'ada@example.com', name: 'Ada Lovelace', marketingConsent: { email: true } },
    tag: 'customers',
    access: 'staff',
    idempotencyKey: 'optional',
    body: CreateCustomerInput,
    responses: { 201: { description: 'The new customer (version 1)', schema: CustomerView } },
    errors: ['FORBIDDEN', 'ALREADY_EXISTS', 'IDEMPOTENCY_KEY_REUSED'],
  }),
  getCustomer: defineRoute({
    method: 'GET',
    path: '/customers/{id}',
    operationId: 'getCustomer',
    summary: 'A customer (themselves or staff), with its version',
    description:
      'The customer whose id is the caller’s `sub`, or any customer for staff; another customer’s record is ' +
      '`NOT_FOUND`. The `ETag` header carries the version for `If-Match`.',
    tag: 'customers',
    access: 'authenticated',
    params: CustomerParams,
    responses: { 200: { description: 'The customer', schema: CustomerView } },
    errors: ['NOT_FOUND'],
  }),
  listCustomers: defineRoute({
    method: 'GET',
    path: '/customers',
    operationId: 'listCustomers',
    summary: 'Find customers by exact email or by a prefix of their name or email (staff)',
    description:
      'Staff only; exactly one of `email` (exact, any letter case: zero or one item) and `q` (prefix of a name ' +
      'or an email, read from the search index, paged with `cursor`; a customer matching on both appears once ' +
      'per page).',
    tag: 'customers',
    access: 'staff',
    query: ListCustomersQuery,
    responses: { 200: { description: 'One page of customers', schema: CustomerPage } },
    errors: ['FORBIDDEN'],
  }),
  updateCustomer: defineRoute({
    method: 'PATCH',
    path: '/customers/{id}',
    operationId: 'updateCustomer',
    summary: 'Change a customer: contact fields and consent; `If-Match` required',
    description:
      `${IF_MATCH} A customer changes their own name, phone and consent (source \`customer\`); changing their ` +
      'email is staff’s (`FORBIDDEN` for a customer). Staff change every field (consent source `staff`); a new ' +
      'email taken by another customer is `ALREADY_EXISTS`. Another customer’s record is `NOT_FOUND`.',
    example: { phone: '+44 20 7946 0958', marketingConsent: { sms: true } },
    tag: 'customers',
    access: 'authenticated',
    params: CustomerParams,
    body: UpdateCustomerInput,
    responses: { 200: { description: 'The changed customer with its new version', schema: CustomerView } },
    errors: [
      'NOT_FOUND',
      'FORBIDDEN',
      'ALREADY_EXISTS',
      'VERSION_CONFLICT',
      'PRECONDITION_REQUIRED',
      'RATE_LIMITED',
    ],
  }),
  logInteraction: defineRoute({
    method: 'POST',
    path: '/customers/{id}/interactions',
    operationId: 'logInteraction',
    summary: 'Log a call, email, meeting or note against a customer (staff)',
    description:
      'Staff only; the author is the caller. Calls may carry `direction` and `durationSeconds`. Notes are ' +
      'internal (hidden from the customer’s timeline) unless `internal: false`; calls, emails and meetings are ' +
      'visible unless `internal: true`. An optional `Idempotency-Key` makes retries safe.',
    example: { kind: 'call', direction: 'inbound', durationSeconds: 240, body: 'Asked about delivery times' },
    tag: 'customers',
    access: 'staff',
    idempotencyKey: 'optional',
    params: CustomerParams,
    body: InteractionInput,
    responses: { 201: { description: 'The logged interaction', schema: InteractionView } },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED'],
  }),
  addNote: defineRoute({
    method: 'POST',
    path: '/customers/{id}/notes',
    operationId: 'addCustomerNote',
    summary: 'Log an interaction (the base contract’s name for it; same operation as /interactions)',
    description:
      'The base contract’s route, kept: `{ kind, body }` (and every other field of `/interactions`) logs an ' +
      'interaction exactly as `POST /customers/{id}/interactions` does.',
    example: { kind: 'note', body: 'Prefers delivery after 5 pm' },
    tag: 'customers',
    access: 'staff',
    idempotencyKey: 'optional',
    params: CustomerParams,
    body: InteractionInput,
    responses: { 201: { description: 'The logged interaction', schema: InteractionView } },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED'],
  }),
  listInteractions: defineRoute({
    method: 'GET',
    path: '/customers/{id}/interactions',
    operationId: 'listInteractions',
    summary: 'A customer’s interactions, newest first (staff)',
    description:
      'Staff only, internal ones included. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'customers',
    access: 'staff',
    params: CustomerParams,
    query: queryParams(pageQueryShape),
    responses: { 200: { description: 'One page of interactions', schema: InteractionPage } },
    errors: ['FORBIDDEN', 'NOT_FOUND'],
  }),
} as const;

/**
 * The customer's data export and erasure: a function of their own (`customerPrivacy`), because they
 * read and write every context's items and would carry all of them into the customers bundle.
 */
export const customerPrivacyRoutes = {
  exportCustomer: defineRoute({
    method: 'GET',
    path: '/customers/{id}/export',
    operationId: 'exportCustomer',
    summary: 'Everything held about a customer, as JSON (themselves or staff)',
    description:
      'The customer’s own data export (GDPR art. 15 and 20): the record, interactions (internal ones for staff ' +
      'only), orders with their addresses, tickets they requested, their timeline and loyalty balance and ledger. ' +
      'Bounded: each section holds at most `sectionLimit` (100) items, newest first; `truncated` names the ' +
      'sections holding more, which their own paged routes list. Another customer’s export is `NOT_FOUND`.',
    tag: 'customers',
    access: 'authenticated',
    params: CustomerParams,
    responses: { 200: { description: 'The export', schema: CustomerExport } },
    errors: ['NOT_FOUND'],
  }),
  eraseCustomer: defineRoute({
    method: 'POST',
    path: '/customers/{id}/erase',
    operationId: 'eraseCustomer',
    summary: 'Erase a customer’s personal data everywhere (staff); idempotent',
    description:
      'Staff only (GDPR art. 17). The record keeps its id but loses email (its uniqueness is released), phone ' +
      'and name; consent is withdrawn. `CustomerErased` goes out through the outbox and each context ' +
      'anonymises its own copies (docs/security.md, "Personal data"); issued invoices keep the buyer’s name ' +
      'and address for the legal retention period. Erasing an erased customer answers it unchanged; an ' +
      'optional `Idempotency-Key` is accepted like on other writes.',
    tag: 'customers',
    access: 'staff',
    idempotencyKey: 'optional',
    params: CustomerParams,
    responses: { 200: { description: 'The erased customer', schema: CustomerView } },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED'],
  }),
} as const;
