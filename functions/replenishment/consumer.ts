/**
 * Replenishment consumer (queue fed by every event that moves a SKU's `available`): re-evaluates
 * the SKUs of each event against their reorder points, raising `StockLow` and a suggestion once
 * per crossing (see monitor.ts). Returns partial batch failures and applies each event once, like
 * every consumer.
 */
import { consumer } from '#events/consumer.ts';
import { evaluateSkus } from './monitor.ts';

export const replenishment = consumer({
  name: 'replenishment',
  handlers: {
    OrderPlaced: async (event, tx) =>
      evaluateSkus(
        event.data.lines.map((l) => l.sku),
        tx,
      ),
    OrderCancelled: async (event, tx) =>
      evaluateSkus(
        event.data.lines.map((l) => l.sku),
        tx,
      ),
    StockChanged: async (event, tx) => evaluateSkus([event.data.sku], tx),
    ReturnReceived: async (event, tx) =>
      evaluateSkus(
        event.data.lines.map((l) => l.sku),
        tx,
      ),
  },
});

export const handler = replenishment.handler;
