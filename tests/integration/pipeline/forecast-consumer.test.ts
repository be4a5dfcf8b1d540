/**
 * The pipelineForecast consumer against DynamoDB Local, fed the very events the pipeline's
 * transactions wrote to the outbox: the report read by key equals the figures computed from the
 * opportunities' final state — delivered in order, redelivered, in reverse, and after a burst of
 * concurrent conditional stage changes delivered shuffled and concurrently with duplicates.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { changeOpportunity } from '#functions/pipeline/changes.ts';
import { pipelineForecast } from '#functions/pipeline/consumer.ts';
import type { UpdateOpportunityInput } from '#functions/pipeline/contract.ts';
import { convertLead } from '#functions/pipeline/conversion.ts';
import { forecastKey, readPipelineReport } from '#functions/pipeline/forecast-counters.ts';
import { createLead } from '#functions/pipeline/leads.ts';
import { getOpportunityWithHistory, type Opportunity } from '#functions/pipeline/opportunities.ts';
import { isClosed, STAGES } from '#functions/pipeline/stages.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { sqsRecordFor } from '../../support/backbone.ts';
import { outbox, settle, staff } from '../orders/fixtures.ts';

const ada = staff('ada-forecast');
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

async function opportunity(owner: string, amount: number, expectedCloseDate: string, currency = 'EUR') {
  const lead = await createLead({
    principal: ada,
    input: { name: 'Lead', source: 'test', owner },
    correlationId: 't',
  });
  const done = await convertLead({
    leadId: lead.id,
    input: { name: 'Deal', amount, currency, expectedCloseDate },
    principal: ada,
    correlationId: 't',
  });
  return done.opportunity;
}

const change = (opportunityId: string, input: UpdateOpportunityInput) =>
  changeOpportunity({ opportunityId, input, principal: ada, correlationId: 'forecast-test' });

/** The outbox events of these opportunities that the consumer subscribes to, oldest version first. */
async function eventsOf(ids: readonly string[]): Promise<EventEnvelope[]> {
  const wanted = new Set(ids);
  return (await outbox())
    .filter(
      (r) => pipelineForecast.eventTypes.includes(r.type) && wanted.has(String(r.event.data.opportunityId)),
    )
    .map((r) => r.event)
    .sort((a, b) => Number(a.data.version) - Number(b.data.version) || a.id.localeCompare(b.id));
}

const deliver = (event: EventEnvelope) => pipelineForecast.processRecord(sqsRecordFor(event));

async function finalStates(ids: readonly string[]): Promise<Opportunity[]> {
  return Promise.all(
    ids.map(async (id) => {
      const read = await getOpportunityWithHistory(id);
      if (!read) throw new Error(`opportunity ${id} missing`);
      return read.opportunity;
    }),
  );
}

/** The figures for one month computed directly from the opportunities (no counters involved). */
function expectedMonth(opportunities: readonly Opportunity[], month: string) {
  const mine = opportunities.filter((o) => o.expectedCloseDate.startsWith(month));
  const stages: Record<string, { count: number; amount: Record<string, number> }> = {};
  for (const s of STAGES) stages[s.name] = { count: 0, amount: {} };
  const weighted: Record<string, number> = {};
  const won: Record<string, number> = {};
  for (const o of mine) {
    const figures = stages[o.stage] ?? { count: 0, amount: {} };
    figures.count += 1;
    figures.amount[o.currency] = (figures.amount[o.currency] ?? 0) + o.amount;
    if (!isClosed(o.stage)) weighted[o.currency] = (weighted[o.currency] ?? 0) + o.amount * o.probability;
    if (o.stage === 'won') won[o.currency] = (won[o.currency] ?? 0) + o.amount;
  }
  const weightedPipeline = Object.fromEntries(
    Object.entries(weighted).map(([c, v]) => [c, Math.round(v / 100)]),
  );
  const forecast: Record<string, number> = { ...weightedPipeline };
  for (const [c, v] of Object.entries(won)) forecast[c] = (forecast[c] ?? 0) + v;
  return { count: mine.length, stages, weightedPipeline, forecast };
}

const nonZero = (money: Record<string, number>) =>
  Object.fromEntries(Object.entries(money).filter(([, v]) => v !== 0));

async function expectReportMatches(
  from: string,
  to: string,
  opportunities: readonly Opportunity[],
  owner?: string,
) {
  const report = await readPipelineReport(from, to, owner);
  for (const month of report.months) {
    const want = expectedMonth(opportunities, month.month);
    expect(nonZero(month.weightedPipeline), month.month).toEqual(want.weightedPipeline);
    expect(nonZero(month.forecast), month.month).toEqual(want.forecast);
    for (const [stage, figures] of Object.entries(want.stages)) {
      expect(month.stages[stage]?.count, `${month.month} ${stage}`).toBe(figures.count);
      expect(nonZero(month.stages[stage]?.amount ?? {}), `${month.month} ${stage}`).toEqual(figures.amount);
    }
  }
  return report;
}

describe('Consumer: pipelineForecast (DynamoDB Local)', () => {
  it('keeps per-month, per-owner counters that the report reads by key', async () => {
    const owner = unique('ada');
    const a = await opportunity(owner, 100_000, '2032-01-20');
    const b = await opportunity(owner, 30_001, '2032-01-31', 'USD');
    const c = await opportunity(owner, 50_000, '2032-02-10');
    await change(a.id, { stage: 'proposal' });
    await change(b.id, { stage: 'negotiation' });
    await change(c.id, { stage: 'won' });
    await change(a.id, { stage: 'negotiation', expectedCloseDate: '2032-02-01' });
    const events = await eventsOf([a.id, b.id, c.id]);
    for (const event of events) expect(await deliver(event)).toBe('applied');

    const report = await expectReportMatches(
      '2032-01',
      '2032-03',
      await finalStates([a.id, b.id, c.id]),
      owner,
    );
    expect(report.months.map((m) => m.month)).toEqual(['2032-01', '2032-02', '2032-03']);
    expect(report.months[0]).toMatchObject({
      stages: { negotiation: { count: 1, amount: { USD: 30_001 } } },
      weightedPipeline: { USD: 22_501 }, // 30 001 × 75 % = 22 500.75
      open: { count: 1 },
    });
    expect(report.months[1]).toMatchObject({
      stages: {
        negotiation: { count: 1, amount: { EUR: 100_000 } },
        won: { count: 1, amount: { EUR: 50_000 } },
      },
      weightedPipeline: { EUR: 75_000 },
      forecast: { EUR: 125_000 },
    });
    expect(report.totals).toMatchObject({ forecast: { EUR: 125_000, USD: 22_501 }, open: { count: 2 } });
    expect(report.pipeline.map((s) => s.stage)).toEqual(STAGES.map((s) => s.name));
  });

  it('counts a redelivered event once', async () => {
    const owner = unique('bob');
    const a = await opportunity(owner, 80_000, '2032-05-05');
    await change(a.id, { stage: 'qualification' });
    const events = await eventsOf([a.id]);
    for (const event of events) await deliver(event);
    const before = await ddb.send(
      new GetCommand({ TableName: tableName, Key: forecastKey('2032-05', owner) }),
    );
    const outcomes = await Promise.all([...events, ...events].map(deliver));
    expect(outcomes.every((o) => o === 'duplicate')).toBe(true);
    const after = await ddb.send(
      new GetCommand({ TableName: tableName, Key: forecastKey('2032-05', owner) }),
    );
    expect(after.Item).toEqual(before.Item);
    expect(after.Item).toMatchObject({
      'count#qualification': 1,
      'count#prospecting': 0,
      'weighted#EUR': 80_000 * 25,
    });
  });

  it('ends exact when two changes of one opportunity arrive in reverse order', async () => {
    const owner = unique('cy');
    const a = await opportunity(owner, 10_000, '2032-07-01');
    await change(a.id, { stage: 'proposal', expectedCloseDate: '2032-08-01' });
    await change(a.id, { stage: 'won', amount: 12_000 });
    const events = await eventsOf([a.id]);
    expect(events).toHaveLength(3);
    for (const event of [...events].reverse()) expect(await deliver(event)).toBe('applied');
    await expectReportMatches('2032-07', '2032-08', await finalStates([a.id]), owner);
    const report = await readPipelineReport('2032-07', '2032-08', owner);
    expect(report.months[0]?.stages.prospecting?.count).toBe(0);
    expect(report.months[1]).toMatchObject({ stages: { won: { count: 1 } }, forecast: { EUR: 12_000 } });
  });

  it('stays exact after concurrent conditional changes delivered shuffled, concurrently and twice', async () => {
    const owners = [unique('dee'), unique('eve')];
    const dates = ['2033-03-05', '2033-03-28', '2033-04-15'];
    const opportunities = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        opportunity(owners[i % 2] ?? 'x', 10_000 * (i + 1) + i, dates[i % 3] ?? ''),
      ),
    );
    const stageMoves = ['qualification', 'proposal', 'negotiation', 'won', 'lost', 'prospecting'] as const;
    // Three rounds of racing changes on every opportunity: stages, amounts, dates and owners.
    for (let round = 0; round < 3; round++) {
      const outcome = await settle(
        opportunities.flatMap((o, i) => [
          change(o.id, { stage: stageMoves[(i + round) % stageMoves.length] }),
          change(o.id, { amount: 1_000 * (round + 1) + i }),
          change(o.id, { expectedCloseDate: dates[(i + round + 1) % 3], owner: owners[(i + round) % 2] }),
        ]),
      );
      // Every change committed or was refused by the pipeline's rules (won is final, lost must reopen).
      expect(Object.keys(outcome.codes).every((c) => c === 'ok' || c === 'INVALID_STATE')).toBe(true);
    }
    const ids = opportunities.map((o) => o.id);
    const events = await eventsOf(ids);
    const shuffled = [...events, ...events.slice(0, 7)].sort(() => Math.random() - 0.5);
    const outcomes = await Promise.all(shuffled.map(deliver));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(events.length);

    const final = await finalStates(ids);
    await expectReportMatches('2033-03', '2033-04', final);
    for (const owner of owners) {
      await expectReportMatches(
        '2033-03',
        '2033-04',
        final.filter((o) => o.owner === owner),
        owner,
      );
    }
  });
});
