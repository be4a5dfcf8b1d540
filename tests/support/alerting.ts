/** What the alerting e2e files read back over HTTP: incidents, their summaries, ops notifications. */
import { eventLike } from './backbone.ts';

export interface Ticket {
  id: string;
  number: string;
  type: string;
  subject: string;
  status: string;
  priority: string;
  alertKey?: string;
  previousIncidentId?: string;
  description: string;
  comments: { body: string; internal: boolean; author: { kind: string } }[];
}
export interface Summary {
  id: string;
  subject: string;
}
export interface OpsMessage {
  channel: string;
  subject?: string;
  severity?: string;
  tags: Record<string, string>;
}

/** A SKU no other test uses. */
export const alertSku = () => `ALERT-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;

/** A `StockLow` for a SKU, as the replenishment monitor emits it. */
export const stockLow = (forSku: string) =>
  eventLike('StockLow', { sku: forSku, available: 2, reorderPoint: 10 });
