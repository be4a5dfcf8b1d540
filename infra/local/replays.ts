/**
 * `/_local/replays`: replaying the local bus's archived events of a time window to one consumer
 * (the local counterpart of EventBridge's `StartReplay` from the bus archive with
 * `Destination.FilterArns` = that consumer's rules; used by `npm run replay`).
 *
 *   POST /_local/replays   { consumer, from, to, name? }   → 201 the replay: the events sent again
 *                                                             and the messages they became
 *   GET  /_local/replays                                   → the replays since start, and the
 *                                                             archive's extent
 *
 * `from` is inclusive, `to` exclusive, both ISO 8601, compared with each event's `time`.
 */
import * as z from 'zod';
import type { HttpResult } from '#shared/http/contract.ts';
import type { LocalBackbone } from './backbone.ts';
import { EventBridgeError } from './eventbridge.ts';
import type { LocalRequest } from './gateway.ts';

const ReplayRequest = z.strictObject({
  consumer: z.string().min(1),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  name: z
    .string()
    .regex(/^[.\-_A-Za-z0-9]{1,64}$/)
    .optional(),
});

export function localReplayAdmin(
  backbone: LocalBackbone,
): (request: LocalRequest) => Promise<HttpResult | undefined> {
  return async ({ method, path, body }) => {
    if (path !== '/_local/replays') return undefined;
    if (method === 'GET') {
      const archived = backbone.bus.recentEvents();
      return {
        status: 200,
        body: {
          replays: backbone.bus.replayHistory(),
          archive: {
            events: archived.length,
            oldest: archived[0]?.event.time ?? null,
            newest: archived.at(-1)?.event.time ?? null,
          },
        },
      };
    }
    if (method !== 'POST') return { status: 405, body: { message: `${method} is not supported on ${path}` } };
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return { status: 400, body: { message: 'body is not JSON' } };
    }
    const parsed = ReplayRequest.safeParse(json);
    if (!parsed.success) return { status: 400, body: { message: z.prettifyError(parsed.error) } };
    const { consumer, from, to, name } = parsed.data;
    if (!backbone.queues.has(consumer)) {
      return {
        status: 404,
        body: { message: `No consumer ${consumer}; consumers: ${[...backbone.queues.keys()].join(', ')}` },
      };
    }
    try {
      const replay = backbone.bus.replay({
        consumer,
        from: new Date(from),
        to: new Date(to),
        ...(name === undefined ? {} : { name }),
      });
      return { status: 201, body: replay };
    } catch (error) {
      if (error instanceof EventBridgeError) return { status: 400, body: { message: error.message } };
      throw error;
    }
  };
}
