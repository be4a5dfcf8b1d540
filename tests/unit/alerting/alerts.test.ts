/**
 * Unit: what each alert source becomes (key, severity, incident or comment), the DLQ alarm
 * notification → AlertRaised translation (and everything else on the ops topic ignored), and the
 * local DLQ alarm event being exactly what the translation reads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventCatalogue } from '#events/catalog.ts';
import { alertOfAlarmMessage, dlqAlarmName, queueOfAlarm } from '#functions/alerting/alarms.ts';
import {
  alertFromAlertRaised,
  alertFromSlaBreach,
  alertFromStockLow,
  incidentDescription,
  incidentPriority,
  opensIncident,
  opsNotification,
} from '#functions/alerting/alerts.ts';
import { dlqAlarmEvent, LOCAL_ALARM_STACK } from '#infra/local/alarms.ts';
import { eventLike } from '../../support/backbone.ts';

describe('alerts', () => {
  it('makes StockLow a warning incident keyed by its SKU, naming the SKU', () => {
    const alert = alertFromStockLow(eventLike('StockLow', { sku: 'TEE-1', available: 2, reorderPoint: 5 }));
    expect(alert).toMatchObject({
      alertKey: 'stock-low:TEE-1',
      severity: 'warning',
      summary: 'Stock low: TEE-1',
    });
    expect(opensIncident(alert)).toBe(true);
    expect(incidentPriority(alert.severity)).toBe('high');
  });

  it('makes an SLA breach a comment on its ticket, never an incident', () => {
    const alert = alertFromSlaBreach(
      eventLike('TicketSlaBreached', { ticketId: 'T1', number: 'TCK-000007' }),
    );
    expect(alert.action).toEqual({ kind: 'comment', ticketId: 'T1' });
    expect(opensIncident(alert)).toBe(false);
    expect(alert.alertKey).toBe('sla-breach:T1');
  });

  it('opens incidents for AlertRaised at warning and critical only', () => {
    for (const [severity, opens] of [
      ['info', false],
      ['warning', true],
      ['critical', true],
    ] as const) {
      expect(opensIncident(alertFromAlertRaised(eventLike('AlertRaised', { severity })))).toBe(opens);
    }
    expect(incidentPriority('critical')).toBe('urgent');
  });

  it('names the previous incident, who resolved it and when, in a recurrence', () => {
    const alert = alertFromStockLow(eventLike('StockLow', { sku: 'TEE-2' }));
    expect(
      incidentDescription(alert, {
        number: 'TCK-000001',
        resolvedBy: 'ann',
        resolvedAt: '2026-01-01T00:00:00.000Z',
      }),
    ).toContain('Recurrence of TCK-000001, resolved by ann at 2026-01-01T00:00:00.000Z.');
    expect(incidentDescription(alert)).not.toContain('Recurrence');
  });

  it('tags the notification with the alert key and the incident', () => {
    const alert = alertFromStockLow(eventLike('StockLow', { sku: 'TEE-3' }));
    const n = opsNotification(alert, { incident: { number: 'TCK-000009', opened: false } });
    expect(n.subject).toBe('WARNING: Stock low: TEE-3 [TCK-000009 updated]');
    expect(n.tags).toEqual({ alertKey: 'stock-low:TEE-3', origin: 'replenishment', incident: 'TCK-000009' });
  });
});

describe('DLQ alarms', () => {
  const alarm = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      AlarmName: dlqAlarmName('Storeline', 'fulfilment'),
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).',
      StateChangeTime: '2026-03-03T14:00:00.000+0000',
      ...overrides,
    });

  it('turns a DLQ alarm entering ALARM into a critical AlertRaised keyed dlq:<queue>', () => {
    const data = alertOfAlarmMessage(alarm(), 'cloudwatch');
    expect(data).toMatchObject({
      alertKey: 'dlq:fulfilment',
      severity: 'critical',
      summary: 'Dead letters in the fulfilment queue',
      origin: 'cloudwatch',
      raisedAt: '2026-03-03T14:00:00.000Z',
    });
    // Valid AlertRaised data, as emit will check.
    expect(eventCatalogue.AlertRaised.schema.shape.data.safeParse(data).success).toBe(true);
  });

  it('ignores OK transitions, other alarms, and anything that is not an alarm (ops notifications)', () => {
    expect(alertOfAlarmMessage(alarm({ NewStateValue: 'OK' }), 'cloudwatch')).toBeUndefined();
    expect(
      alertOfAlarmMessage(alarm({ AlarmName: 'Storeline-OrdersErrorsAlarm' }), 'cloudwatch'),
    ).toBeUndefined();
    expect(alertOfAlarmMessage('Stock low: TEE-1\n\n…', 'cloudwatch')).toBeUndefined();
    expect(alertOfAlarmMessage('{"subject":"x"}', 'cloudwatch')).toBeUndefined();
  });

  it('recovers any queue name from its alarm name', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/),
        fc.stringMatching(/^[a-z][A-Za-z-]{0,40}$/),
        (stack, queue) => {
          fc.pre(!queue.includes('-dlq-'));
          expect(queueOfAlarm(dlqAlarmName(stack, queue))).toBe(queue);
        },
      ),
    );
  });

  it('reads the local DLQ hook’s SNS event as AWS would deliver it', () => {
    const event = dlqAlarmEvent(
      'publisher-stream-failures',
      'eu-west-1',
      new Date('2026-03-03T14:00:00.000Z'),
    );
    const record = event.Records[0]!;
    expect(JSON.parse(record.Sns.Message).AlarmName).toBe(
      dlqAlarmName(LOCAL_ALARM_STACK, 'publisher-stream-failures'),
    );
    expect(alertOfAlarmMessage(record.Sns.Message, 'local-dlq')).toMatchObject({
      alertKey: 'dlq:publisher-stream-failures',
      raisedAt: '2026-03-03T14:00:00.000Z',
    });
  });
});
