/**
 * Opportunity-order outcomes consumer (queue fed by `OpportunityOrderRefused`): records on the won
 * opportunity that the order its win asked for was refused, and why, so staff see it on
 * `GET /opportunities/{id}` (won-orders.ts).
 */
import { consumer } from '#events/consumer.ts';
import { refusalUpdate } from './won-orders.ts';

export const opportunityOrderOutcomes = consumer({
  name: 'opportunityOrderOutcomes',
  handlers: {
    OpportunityOrderRefused: async ({ data }) => [refusalUpdate(data)],
  },
});

export const handler = opportunityOrderOutcomes.handler;
