/**
 * Local-only endpoints for seeing inside the event backbone, served by the local gateway (and
 * used by `npm run dlq`):
 *
 *   GET  /_local/queues                     every consumer queue and DLQ, with message counts
 *   GET  /_local/queues/{name}              the messages in a queue (`fulfilment`, `fulfilment-dlq`)
 *   GET  /_local/queues/{name}/dlq          the messages in a consumer's DLQ
 *   POST /_local/queues/{name}/redrive      moves a consumer's DLQ messages back to its queue
 *   GET  /_local/streams                    stream subscriptions: checkpoints, failures given up on
 *   GET  /_local/events?limit=              the bus's most recent events and who received them
 *   GET  /_local/messages?to=&channel=&limit=
 *                                           emails, SMS and ops notifications sent (the mailbox),
 *                                           newest first; `channel` is email, sms or ops
 *   GET  /_local/schedules                  the local scheduler: every schedule, recent firings
 */
import type { HttpResult } from '#shared/http/contract.ts';
import type { LocalBackbone } from './backbone.ts';
import type { LocalRequest } from './gateway.ts';
import type { LocalMailbox } from './messaging.ts';
import { functionOfArn, type LocalScheduler } from './scheduler.ts';
import type { LocalQueue, StoredMessage } from './sqs.ts';

const ok = (body: unknown, status = 200): HttpResult => ({ status, body });
const notFound = (message: string): HttpResult => ({ status: 404, body: { message } });

function messageView(m: StoredMessage) {
  let body: unknown = m.body;
  try {
    body = JSON.parse(m.body);
  } catch {
    // shown as sent
  }
  return {
    messageId: m.messageId,
    receiveCount: m.receiveCount,
    sentAt: new Date(m.sentTimestamp).toISOString(),
    inFlight: m.visibleAt > Date.now(),
    body,
  };
}

function queueView(queue: LocalQueue) {
  const messages = queue.peek();
  const inFlight = messages.filter((m) => m.visibleAt > Date.now()).length;
  return {
    name: queue.name,
    arn: queue.arn,
    messages: messages.length,
    visible: messages.length - inFlight,
    inFlight,
    ...(queue.maxReceiveCount !== undefined ? { maxReceiveCount: queue.maxReceiveCount } : {}),
  };
}

export function localAdmin(
  backbone: LocalBackbone,
  mailbox?: LocalMailbox,
): (request: LocalRequest) => Promise<HttpResult | undefined> {
  return async ({ method, path, query }) => {
    if (method === 'GET' && path === '/_local/messages' && mailbox) {
      const channel = query.get('channel') ?? undefined;
      if (channel !== undefined && !['email', 'sms', 'ops'].includes(channel)) {
        return { status: 400, body: { message: 'channel must be email, sms or ops' } };
      }
      const limit = Math.min(Math.max(Number(query.get('limit') ?? 50) || 50, 1), 1000);
      return ok({ items: mailbox.list({ to: query.get('to') ?? undefined, channel, limit }) });
    }
    if (method === 'GET' && path === '/_local/queues') {
      return ok({
        queues: [...backbone.queues.entries()].map(([consumer, { queue, dlq }]) => ({
          consumer,
          ...queueView(queue),
          dlq: queueView(dlq),
        })),
      });
    }
    if (method === 'GET' && path === '/_local/streams') {
      return ok({
        subscriptions: backbone.streamSources.map((s) => ({
          function: s.functionName,
          invocations: s.invocations,
          checkpoints: s.checkpoints(),
        })),
        failures: backbone.streamFailures,
      });
    }
    if (method === 'GET' && path === '/_local/events') {
      const limit = Math.min(Math.max(Number(query.get('limit') ?? 50) || 50, 1), 1000);
      return ok({ events: backbone.bus.recentEvents().slice(-limit) });
    }
    const match = /^\/_local\/queues\/([^/]+)(\/dlq|\/redrive)?$/.exec(path);
    if (!match?.[1]) return undefined;
    const name = decodeURIComponent(match[1]);
    const action = match[2];
    if (action === undefined && method === 'GET') {
      const queue = backbone.queueByName(name);
      if (!queue) return notFound(`No local queue ${name}`);
      return ok({ ...queueView(queue), items: queue.peek().map(messageView) });
    }
    const pair = backbone.queues.get(name);
    if (!pair) return notFound(`No consumer queue ${name}`);
    if (action === '/dlq' && method === 'GET') {
      return ok({ ...queueView(pair.dlq), items: pair.dlq.peek().map(messageView) });
    }
    if (action === '/redrive' && method === 'POST') {
      const moved = pair.dlq.redriveTo(pair.queue);
      return ok({ queue: pair.queue.name, moved });
    }
    return { status: 405, body: { message: `${method} is not supported on ${path}` } };
  };
}

/** `GET /_local/schedules`: every schedule with its next firing, and the recent firings. */
export function localSchedulerAdmin(
  scheduler: LocalScheduler,
): (request: LocalRequest) => Promise<HttpResult | undefined> {
  return async ({ method, path }) => {
    if (path !== '/_local/schedules') return undefined;
    if (method !== 'GET') return { status: 405, body: { message: `${method} is not supported on ${path}` } };
    return ok({
      schedules: scheduler.list().map((s) => {
        let input: unknown = s.target.Input;
        try {
          input = JSON.parse(String(input));
        } catch {
          // shown as set
        }
        return {
          group: s.group,
          name: s.name,
          arn: scheduler.arnOf(s),
          expression: s.expression,
          state: s.state,
          actionAfterCompletion: s.actionAfterCompletion,
          function: functionOfArn(s.target.Arn),
          input,
          nextAttemptAt: s.nextAttemptAt === undefined ? null : new Date(s.nextAttemptAt).toISOString(),
          failedAttempts: s.failedAttempts,
          completed: s.completed,
          fromTopology: s.fromTopology,
        };
      }),
      firings: scheduler.history(),
    });
  };
}
