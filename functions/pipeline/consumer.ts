/**
 * Pipeline-forecast consumer (queue fed by `OpportunityCreated`, `OpportunityStageChanged` and
 * `OpportunityUpdated`): moves each change's contribution between the month × owner counters, from
 * the terms the event carries before and after (no read). The updates commit with the consumer's
 * marker, so a redelivered event never counts twice; deltas commute, so two changes of one
 * opportunity delivered out of order end exact too (forecast.ts).
 */
import { consumer } from '#events/consumer.ts';
import { forecastDeltas } from './forecast.ts';
import { counterUpdates } from './forecast-counters.ts';

export const pipelineForecast = consumer({
  name: 'pipelineForecast',
  handlers: {
    OpportunityCreated: async ({ data }, tx) =>
      counterUpdates(forecastDeltas(undefined, data.current), tx.now),
    OpportunityStageChanged: async ({ data }, tx) =>
      counterUpdates(forecastDeltas(data.previous, data.current), tx.now),
    OpportunityUpdated: async ({ data }, tx) =>
      counterUpdates(forecastDeltas(data.previous, data.current), tx.now),
  },
});

export const handler = pipelineForecast.handler;
