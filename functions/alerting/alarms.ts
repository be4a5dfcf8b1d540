/**
 * Dead-letter queue alarms → `AlertRaised`. In AWS each DLQ has a CloudWatch alarm on
 * `ApproximateNumberOfMessagesVisible` named `<stack>-dlq-<queue>` (infra/constructs/
 * observability.ts), which notifies the ops topic on its OK → ALARM transition; the topic
 * delivers those notifications (its subscription's filter policy matches the name and the ALARM
 * state in the message body) to the `dlqAlarms` function, which writes one `AlertRaised` with key
 * `dlq:<queue>` to the outbox. The alerting consumer does the rest, as for any alert. Locally the
 * runtime's DLQ hook invokes the same function with the same message (infra/local/alarms.ts).
 *
 * Anything else on the topic (the ops notifications themselves: plain text, other alarms) is not
 * a DLQ alarm and is ignored, so nothing the alerting consumer publishes can come back to it.
 */
import * as z from 'zod';
import type { EventCatalogue } from '#events/catalog.ts';
import type { EmitData } from '#shared/events/catalogue.ts';
import { dlqAlertKey } from './alerts.ts';

/** Between the stack name and the queue's topology name in a DLQ alarm's name. */
export const DLQ_ALARM_MARKER = '-dlq-';

/** The name of a DLQ's alarm: `<stack>-dlq-<queue>`. */
export const dlqAlarmName = (stackName: string, queue: string): string =>
  `${stackName}${DLQ_ALARM_MARKER}${queue}`;

/** The fields of CloudWatch's alarm notification (an SNS message body, JSON) that are read here. */
export const CloudWatchAlarmNotification = z.object({
  AlarmName: z.string(),
  AlarmDescription: z.string().nullish(),
  NewStateValue: z.string(),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string(),
});
export type CloudWatchAlarmNotification = z.infer<typeof CloudWatchAlarmNotification>;

/** The queue a DLQ alarm is about (its topology name), or undefined when it is no DLQ alarm. */
export function queueOfAlarm(alarmName: string): string | undefined {
  const at = alarmName.lastIndexOf(DLQ_ALARM_MARKER);
  if (at < 0) return undefined;
  const queue = alarmName.slice(at + DLQ_ALARM_MARKER.length);
  return queue === '' ? undefined : queue;
}

/** CloudWatch writes `2026-03-03T14:00:00.000+0000`: as ISO 8601 UTC (now when unreadable). */
function isoOf(time: string, now: Date): string {
  const parsed = Date.parse(time.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(parsed) ? now.toISOString() : new Date(parsed).toISOString();
}

/**
 * The `AlertRaised` data of an SNS message body, or undefined when it is not a DLQ alarm entering
 * ALARM (an ops notification, another alarm, an OK transition).
 */
export function alertOfAlarmMessage(
  body: string,
  origin: string,
  now = new Date(),
): EmitData<EventCatalogue, 'AlertRaised'> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = CloudWatchAlarmNotification.safeParse(json);
  if (!parsed.success || parsed.data.NewStateValue !== 'ALARM') return undefined;
  const alarm = parsed.data;
  const queue = queueOfAlarm(alarm.AlarmName);
  if (queue === undefined) return undefined;
  return {
    alertKey: dlqAlertKey(queue),
    severity: 'critical',
    summary: `Dead letters in the ${queue} queue`.slice(0, 200),
    detail: [
      `Messages arrived in the dead-letter queue of ${queue}: they failed every retry and wait there.`,
      'Inspect them, fix the cause, then redrive (docs/operations.md).',
      `Alarm ${alarm.AlarmName}: ${alarm.NewStateReason ?? 'ALARM'}`,
    ]
      .join('\n')
      .slice(0, 4000),
    origin,
    raisedAt: isoOf(alarm.StateChangeTime, now),
  };
}
