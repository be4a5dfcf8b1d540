/**
 * The sales pipeline: its stages, in order, with the probability that an opportunity in each one
 * closes as won. This module is the one place to configure it (docs/data-model.md, "Sales pipeline").
 *
 * - Open stages are configurable: rename, add, remove or re-weight them here (integer percent,
 *   0 to 100). The first open stage is where a converted lead's opportunity starts.
 * - The closed stages are fixed: `won` (100 %) and `lost` (0 %).
 * - Moves: any open stage to any stage (back and forth included); `lost` may be reopened to an open
 *   stage (a deal that revives); `won` is final (an order may have been placed from it; a correction
 *   is a new opportunity). A closed opportunity's amount, close date and owner do not change
 *   unless the same change reopens it.
 *
 * Events carry the probability each stage had when the change happened, so the forecast consumer
 * removes exactly what it once added even after the probabilities here change.
 */
import * as z from 'zod';
import { AppError } from '#shared/errors.ts';

export interface StageDefinition {
  readonly name: string;
  /** Percent chance of closing as won, an integer 0..100. */
  readonly probability: number;
}

/** The open stages in pipeline order (configurable). */
export const OPEN_STAGES = [
  { name: 'prospecting', probability: 10 },
  { name: 'qualification', probability: 25 },
  { name: 'proposal', probability: 50 },
  { name: 'negotiation', probability: 75 },
] as const satisfies readonly StageDefinition[];

/** The closed stages (fixed). */
export const CLOSED_STAGES = [
  { name: 'won', probability: 100 },
  { name: 'lost', probability: 0 },
] as const satisfies readonly StageDefinition[];

export const STAGES: readonly StageDefinition[] = [...OPEN_STAGES, ...CLOSED_STAGES];

type StageName = (typeof OPEN_STAGES)[number]['name'] | (typeof CLOSED_STAGES)[number]['name'];
const STAGE_NAMES = STAGES.map((s) => s.name) as [StageName, ...StageName[]];

export const Stage = z
  .enum(STAGE_NAMES)
  .meta({ description: 'A stage of the sales pipeline (docs/data-model.md, "Sales pipeline")' });
export type Stage = z.infer<typeof Stage>;

/** The stage a new opportunity starts in: the first open stage. */
export const INITIAL_STAGE: Stage = OPEN_STAGES[0].name;

const byName = new Map<string, StageDefinition>(STAGES.map((s) => [s.name, s]));

/** The configured probability of a stage, in percent. */
export function probabilityOf(stage: Stage): number {
  const definition = byName.get(stage);
  if (!definition) throw new Error(`Unknown stage ${stage}`);
  return definition.probability;
}

/** Won and lost are closed; every other stage is open. Names only, so it holds for any event. */
export const isClosed = (stage: string): boolean => stage === 'won' || stage === 'lost';
export const isOpen = (stage: string): boolean => !isClosed(stage);

/** What an opportunity's forecast-relevant state is. */
export interface OpportunityTerms {
  readonly stage: Stage;
  readonly amount: number;
  readonly expectedCloseDate: string;
  readonly owner: string;
}

export type TermsPatch = Partial<OpportunityTerms>;

export type FieldName = keyof OpportunityTerms;
const FIELDS: readonly FieldName[] = ['stage', 'amount', 'expectedCloseDate', 'owner'];

export interface PlannedChange {
  readonly next: OpportunityTerms;
  /** The fields whose value changes, in a fixed order. */
  readonly changed: readonly FieldName[];
}

/**
 * The change a PATCH makes, or undefined when it changes nothing. Throws 409 `INVALID_STATE` (with
 * the current stage) for a change the pipeline does not allow.
 */
export function planChange(current: OpportunityTerms, patch: TermsPatch): PlannedChange | undefined {
  const next: OpportunityTerms = {
    stage: patch.stage ?? current.stage,
    amount: patch.amount ?? current.amount,
    expectedCloseDate: patch.expectedCloseDate ?? current.expectedCloseDate,
    owner: patch.owner ?? current.owner,
  };
  const changed = FIELDS.filter((field) => next[field] !== current[field]);
  if (changed.length === 0) return undefined;
  const refuse = (detail: string) => new AppError('INVALID_STATE', detail, { currentStatus: current.stage });
  if (current.stage === 'won') throw refuse('A won opportunity is final');
  if (current.stage === 'lost') {
    if (next.stage === 'won') throw refuse('A lost opportunity must be reopened to an open stage first');
    if (!isOpen(next.stage)) throw refuse('A lost opportunity changes only when it is reopened');
  }
  return { next, changed };
}
