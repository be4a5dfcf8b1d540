/**
 * Converting a lead (`POST /leads/{id}/convert`): one `TransactWriteItems` marks the lead
 * converted (condition `status = open`: a second or racing conversion is 409 `INVALID_STATE`),
 * puts the opportunity's first version and its history item, and emits `LeadConverted` and
 * `OpportunityCreated`; the customer part (customer.ts) adds its own writes to the same transaction.
 */
import { ulid } from 'ulid';
import { emit } from '#events/emit.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import {
  backoff,
  contention,
  type TaggedWrite,
  type TransactWrite,
  transactWrite,
} from '#shared/transactions.ts';
import type { ConvertLeadInput } from './contract.ts';
import { type ConversionCustomer, customerForLead } from './customer.ts';
import { convertLeadUpdate, type Lead, requireLead } from './leads.ts';
import {
  type ChangeRecord,
  changeRecord,
  createOpportunityPut,
  forecastTerms,
  historyPut,
  type Opportunity,
} from './opportunities.ts';
import { INITIAL_STAGE, probabilityOf } from './stages.ts';

export interface ConvertRequest {
  readonly leadId: string;
  readonly input: ConvertLeadInput;
  readonly principal: Principal;
  readonly correlationId: string;
}

export interface Conversion {
  readonly lead: Lead;
  readonly opportunity: Opportunity;
  readonly history: ChangeRecord[];
  readonly customer: ConversionCustomer | undefined;
}

type ConversionTag = 'lead' | 'opportunity' | 'history' | 'customer' | 'outbox';

const alreadyConverted = (lead: Lead) =>
  new AppError('INVALID_STATE', `Lead ${lead.id} is already converted`, { currentStatus: lead.status });

/** Attempts when another request creates the lead's customer between our look-up and commit. */
const MAX_CONVERSION_ATTEMPTS = 3;

export async function convertLead(request: ConvertRequest): Promise<Conversion> {
  for (let attempt = 0; attempt < MAX_CONVERSION_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const outcome = await attemptConversion(request);
    if (outcome) return outcome;
  }
  throw contention(`The customer of lead ${request.leadId}`);
}

/** One attempt; undefined when the customer's email was taken concurrently (try again). */
async function attemptConversion(request: ConvertRequest): Promise<Conversion | undefined> {
  const { leadId, input, principal, correlationId } = request;
  const lead = await requireLead(leadId);
  if (lead.status !== 'open') throw alreadyConverted(lead);
  const at = new Date().toISOString();
  const context = { correlationId, occurredAt: at };
  const customer = await customerForLead(lead, { at, correlationId, by: principal.sub });

  const opportunity: Opportunity = {
    id: ulid(),
    name: input.name,
    leadId: lead.id,
    ...(customer ? { customerId: customer.id } : {}),
    amount: input.amount,
    currency: input.currency,
    expectedCloseDate: input.expectedCloseDate,
    owner: lead.owner,
    stage: INITIAL_STAGE,
    probability: probabilityOf(INITIAL_STAGE),
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: principal.sub,
  };
  const change = changeRecord(opportunity, undefined, [], principal.sub);
  const converted: Lead = {
    ...lead,
    status: 'converted',
    opportunityId: opportunity.id,
    ...(customer ? { customerId: customer.id } : {}),
    convertedAt: at,
    updatedAt: at,
  };
  const events: TransactWrite[] = [
    emit(
      'LeadConverted',
      {
        leadId: lead.id,
        opportunityId: opportunity.id,
        ...(customer ? { customerId: customer.id } : {}),
        customerCreated: customer?.created ?? false,
        owner: lead.owner,
        convertedAt: at,
        convertedBy: principal.sub,
      },
      context,
    ),
    emit(
      'OpportunityCreated',
      {
        opportunityId: opportunity.id,
        name: opportunity.name,
        leadId: lead.id,
        ...(customer ? { customerId: customer.id } : {}),
        version: 1,
        current: forecastTerms(opportunity),
        createdAt: at,
        createdBy: principal.sub,
      },
      context,
    ),
  ];
  const writes: TaggedWrite<ConversionTag>[] = [
    {
      tag: 'lead',
      write: convertLeadUpdate(lead, {
        opportunityId: opportunity.id,
        customerId: customer?.id,
        at,
      }),
    },
    { tag: 'opportunity', write: createOpportunityPut(opportunity) },
    { tag: 'history', write: historyPut(opportunity.id, change) },
    ...(customer?.writes ?? []).map((write) => ({ tag: 'customer' as const, write })),
    ...events.map((write) => ({ tag: 'outbox' as const, write })),
  ];
  const outcome = await transactWrite(ddb, writes);
  if (outcome.ok) return { lead: converted, opportunity, history: [change], customer };
  if (outcome.failed.includes('lead')) throw alreadyConverted(await requireLead(leadId));
  // Another request created a customer with this email between our look-up and our commit.
  if (outcome.failed.includes('customer')) return undefined;
  throw new Error(`Lead ${leadId} conversion cancelled by ${outcome.failed.join(', ')}`);
}
