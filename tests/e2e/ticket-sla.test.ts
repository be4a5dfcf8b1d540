/**
 * The SLA clock end to end, through real tickets: a runtime of this file's own whose ticket
 * functions run with seconds-long urgent targets (`SLA_TARGETS`, passed to every function through
 * `LOCAL_FUNCTION_ENV`). Opening a ticket sets its warning and breach schedules in the local
 * EventBridge Scheduler (tickets → TicketSlaChanged → ticketSlaTimers); at the due time the
 * scheduler invokes ticketSlaAlarms, whose TicketSlaBreached comes back on the bus exactly once and
 * marks the ticket's clock breached (ticketSla). A ticket answered and resolved before its due
 * times has its schedules deleted and never breaches. Observed over HTTP only.
 *
 * This file does not use the suite's shared runtime, so it starts at most one runtime itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process.ts';

const RESPONSE_MS = 10_000;
const RESOLUTION_MS = 16_000;

interface Clock {
  state: 'running' | 'paused' | 'met' | 'breached';
  dueAt?: string;
  breachedAt?: string;
  metAt?: string;
}
interface Ticket {
  id: string;
  number: string;
  status: string;
  version: number;
  responseDueAt?: string;
  resolutionDueAt?: string;
  sla: { version: number; response: Clock; resolution: Clock };
}
interface Schedules {
  schedules: { name: string; function: string }[];
  firings: { name: string; function: string; outcome: string }[];
}
interface BusEvents {
  events: { event: { 'detail-type': string; detail: { data: { ticketId?: string; target?: string } } } }[];
}

let runtime: RuntimeProcess;
let api: ReturnType<typeof apiClient>;
let agent: string;

beforeAll(async () => {
  runtime = await startRuntimeProcess({
    inMemory: true,
    env: {
      LOCAL_FUNCTION_ENV: JSON.stringify({
        SLA_TARGETS: JSON.stringify({ urgent: { responseMs: RESPONSE_MS, resolutionMs: RESOLUTION_MS } }),
      }),
    },
  });
  api = apiClient(runtime.url);
  agent = await api.token('agent-sla-e2e', ['staff']);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

const open = async (subject: string) => {
  const res = await api.request<Ticket>('POST', '/tickets', {
    token: agent,
    body: { type: 'incident', subject, description: 'Checkout answers 500', priority: 'urgent' },
  });
  expect(res.status).toBe(201);
  return res.body;
};
const get = async (id: string) => (await api.request<Ticket>('GET', `/tickets/${id}`, { token: agent })).body;
const move = async (id: string, status: string) => {
  const current = await get(id);
  const res = await api.request<Ticket>('PATCH', `/tickets/${id}`, {
    token: agent,
    headers: { 'if-match': String(current.version) },
    body: { status },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};
const alarmsOf = async (ticketId: string) =>
  (await api.request<BusEvents>('GET', '/_local/events?limit=1000')).body.events
    .filter((d) => d.event.detail.data.ticketId === ticketId)
    .filter((d) => ['TicketSlaBreached', 'TicketSlaWarning'].includes(d.event['detail-type']))
    .map((d) => `${d.event['detail-type']}:${d.event.detail.data.target}`)
    .sort();
const schedulesOf = async (ticketId: string) =>
  (await api.request<Schedules>('GET', '/_local/schedules')).body.schedules.filter((s) =>
    s.name.includes(ticketId),
  );

describe('SLA timers through real tickets and the local scheduler', () => {
  it('breaches an unanswered ticket once per target, and never one resolved in time', async () => {
    // Prepare: one ticket left alone, one answered and resolved at once.
    const late = await open('Left alone');
    const handled = await open('Handled at once');
    expect(Date.parse(late.responseDueAt ?? '') - Date.now()).toBeLessThanOrEqual(RESPONSE_MS);

    // Both get their warning and breach schedules for each target.
    await eventually(async () => ((await schedulesOf(handled.id)).length === 4 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: 'the handled ticket’s four timers',
    });

    // Act: the handled ticket is answered publicly and resolved before any due time.
    const reply = await api.request('POST', `/tickets/${handled.id}/comments`, {
      token: agent,
      body: { body: 'Looking into it' },
    });
    expect(reply.status).toBe(201);
    await move(handled.id, 'OPEN');
    await move(handled.id, 'RESOLVED');

    // Assess: the late ticket's clocks end breached (marked on the ticket by the breach events) …
    const breached = await eventually(
      async () => {
        const t = await get(late.id);
        return t.sla.response.state === 'breached' && t.sla.resolution.state === 'breached' ? t : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'both clocks of the late ticket to breach' },
    );
    expect(breached.sla.response.breachedAt).toBe(late.responseDueAt);
    expect(breached.sla.resolution.breachedAt).toBe(late.resolutionDueAt);
    // … with exactly one event per target and kind, whatever the retries,
    expect(await alarmsOf(late.id)).toEqual([
      'TicketSlaBreached:resolution',
      'TicketSlaBreached:response',
      'TicketSlaWarning:resolution',
      'TicketSlaWarning:response',
    ]);
    // … while the ticket resolved in time met both targets, its schedules deleted, nothing fired.
    const done = await get(handled.id);
    expect(done.sla.response.state).toBe('met');
    expect(done.sla.resolution.state).toBe('met');
    expect(await schedulesOf(handled.id)).toEqual([]);
    expect(await alarmsOf(handled.id)).toEqual([]);
    const fired = (await api.request<Schedules>('GET', '/_local/schedules')).body.firings;
    expect(fired.filter((f) => f.name.includes(handled.id))).toEqual([]);
  }, 240_000);
});
