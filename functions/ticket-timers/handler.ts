/**
 * SLA alarm function, invoked by EventBridge Scheduler (one-time schedules the SLA timers consumer
 * sets) with a timer payload. A thrown error makes the scheduler retry (its retry policy).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, observed } from '#shared/observability.ts';
import { type AlarmOutcome, raiseSlaAlarm } from './alarms.ts';

/** The timer's correlation id (the ticket change that set it), when the payload names one. */
const correlationIdOf = (payload: unknown): string | undefined => {
  const value = (payload as { correlationId?: unknown } | null)?.correlationId;
  return typeof value === 'string' && value !== '' ? value : undefined;
};

export const handler = observed('timer', async (payload: unknown): Promise<{ outcome: AlarmOutcome }> => {
  const correlationId = correlationIdOf(payload);
  if (correlationId) logger.setCorrelationId(correlationId);
  const outcome = await raiseSlaAlarm(payload);
  metrics.addMetric(outcome === 'emitted' ? 'SlaAlarmsRaised' : 'SlaAlarmsSkipped', MetricUnit.Count, 1);
  return { outcome };
});
