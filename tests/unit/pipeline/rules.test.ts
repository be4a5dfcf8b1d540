/**
 * The pipeline's rules without a table: which stage moves and term changes are allowed, the
 * configured probabilities, `If-Match` parsing, and the report's month ranges.
 */
import { describe, expect, it } from 'vitest';
import {
  ActivityInput,
  ifMatchVersion,
  ListOpportunitiesQuery,
  monthsBetween,
  PipelineQuery,
  UpdateOpportunityInput,
} from '#functions/pipeline/contract.ts';
import {
  CLOSED_STAGES,
  INITIAL_STAGE,
  OPEN_STAGES,
  type OpportunityTerms,
  planChange,
  probabilityOf,
} from '#functions/pipeline/stages.ts';
import { AppError } from '#shared/errors.ts';

process.env.TABLE_NAME ??= 'pipeline-rules-unit-test';
const { monthsOf } = await import('#functions/pipeline/forecast-counters.ts');

const terms = (stage: OpportunityTerms['stage']): OpportunityTerms => ({
  stage,
  amount: 1000,
  expectedCloseDate: '2031-05-31',
  owner: 'ada',
});

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Pipeline: stages and probabilities', () => {
  it('is the documented default pipeline, starting at prospecting', () => {
    expect([...OPEN_STAGES, ...CLOSED_STAGES].map((s) => [s.name, s.probability])).toEqual([
      ['prospecting', 10],
      ['qualification', 25],
      ['proposal', 50],
      ['negotiation', 75],
      ['won', 100],
      ['lost', 0],
    ]);
    expect(INITIAL_STAGE).toBe('prospecting');
    expect(probabilityOf('negotiation')).toBe(75);
  });

  it('moves an open opportunity to any stage, back and forth', () => {
    expect(planChange(terms('negotiation'), { stage: 'prospecting' })).toEqual({
      next: terms('prospecting'),
      changed: ['stage'],
    });
    expect(planChange(terms('qualification'), { stage: 'won', amount: 900 })?.changed).toEqual([
      'stage',
      'amount',
    ]);
    expect(planChange(terms('proposal'), { stage: 'lost' })?.next.stage).toBe('lost');
  });

  it('changes nothing when nothing differs', () => {
    expect(planChange(terms('proposal'), { stage: 'proposal', amount: 1000 })).toBeUndefined();
    expect(planChange(terms('won'), { owner: 'ada' })).toBeUndefined();
  });

  it('keeps won final', () => {
    for (const patch of [
      { stage: 'proposal' as const },
      { amount: 1 },
      { owner: 'bob' },
      { stage: 'lost' as const },
    ]) {
      const error = refusal(() => planChange(terms('won'), patch));
      expect(error.code).toBe('INVALID_STATE');
      expect(error.extra).toEqual({ currentStatus: 'won' });
    }
  });

  it('reopens lost only to an open stage, with other terms in the same change', () => {
    expect(planChange(terms('lost'), { stage: 'qualification', amount: 500 })).toEqual({
      next: { ...terms('qualification'), amount: 500 },
      changed: ['stage', 'amount'],
    });
    expect(refusal(() => planChange(terms('lost'), { stage: 'won' })).extra).toEqual({
      currentStatus: 'lost',
    });
    expect(refusal(() => planChange(terms('lost'), { amount: 5 })).code).toBe('INVALID_STATE');
  });
});

describe('Pipeline: request parsing', () => {
  it('reads If-Match as a version: bare, quoted or weak', () => {
    expect(ifMatchVersion(undefined)).toBeUndefined();
    expect(ifMatchVersion('3')).toBe(3);
    expect(ifMatchVersion('"12"')).toBe(12);
    expect(ifMatchVersion('W/"4"')).toBe(4);
    for (const bad of ['0', 'abc', '*', '1.5', '-1']) {
      expect(refusal(() => ifMatchVersion(bad)).code, bad).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses an empty PATCH, unknown fields and unknown stages', () => {
    expect(UpdateOpportunityInput.safeParse({}).success).toBe(false);
    expect(UpdateOpportunityInput.safeParse({ stage: 'won', note: 'x' }).success).toBe(false);
    expect(UpdateOpportunityInput.safeParse({ stage: 'closing' }).success).toBe(false);
    expect(UpdateOpportunityInput.safeParse({ amount: -1 }).success).toBe(false);
    expect(UpdateOpportunityInput.safeParse({ stage: 'won', amount: 100 }).success).toBe(true);
  });

  it('needs an owner or a stage to list opportunities (each is an index partition)', () => {
    expect(ListOpportunitiesQuery.safeParse({}).success).toBe(false);
    expect(ListOpportunitiesQuery.safeParse({ stage: 'won' }).success).toBe(true);
    expect(ListOpportunitiesQuery.safeParse({ owner: 'ada', limit: '5' }).data).toEqual({
      owner: 'ada',
      limit: 5,
    });
  });

  it('allows a direction on calls only and a duration on calls and meetings', () => {
    expect(
      ActivityInput.safeParse({ kind: 'call', body: 'hi', direction: 'inbound', durationSeconds: 60 })
        .success,
    ).toBe(true);
    expect(ActivityInput.safeParse({ kind: 'meeting', body: 'demo', durationSeconds: 600 }).success).toBe(
      true,
    );
    expect(ActivityInput.safeParse({ kind: 'note', body: 'x', direction: 'inbound' }).success).toBe(false);
    expect(ActivityInput.safeParse({ kind: 'email', body: 'x', durationSeconds: 5 }).success).toBe(false);
    expect(ActivityInput.safeParse({ kind: 'note', body: '' }).success).toBe(false);
  });

  it('covers report ranges of whole months, across years, at most 36', () => {
    expect(monthsOf('2030-11', '2031-02')).toEqual(['2030-11', '2030-12', '2031-01', '2031-02']);
    expect(monthsBetween('2030-11', '2031-02')).toBe(4);
    expect(PipelineQuery.safeParse({ from: '2031-01', to: '2033-12' }).success).toBe(true);
    expect(PipelineQuery.safeParse({ from: '2031-01', to: '2034-01' }).success).toBe(false);
    expect(PipelineQuery.safeParse({ from: '2031-03', to: '2031-02' }).success).toBe(false);
    expect(PipelineQuery.safeParse({ from: '2031-13', to: '2031-12' }).success).toBe(false);
  });
});
