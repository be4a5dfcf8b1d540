/**
 * The `dlqAlarms` function: subscribed to the ops topic for the DLQ alarms (filter policy on the
 * message body), it turns each alarm notification into an `AlertRaised` in the outbox (alarms.ts).
 * Locally the runtime's DLQ hook invokes it with the same SNS event (infra/local/alarms.ts).
 *
 * SNS invokes it asynchronously: a thrown error makes Lambda retry the whole event (twice). An SNS
 * redelivery writes a second `AlertRaised`, which the alerting consumer turns into a comment on
 * the incident the first opened: harmless.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SnsSchema } from '@aws-lambda-powertools/parser/schemas/sns';
import { emit } from '#events/emit.ts';
import { ddb } from '#shared/ddb.ts';
import { logger, metrics, observed } from '#shared/observability.ts';
import { transactWrite } from '#shared/transactions.ts';
import { alertOfAlarmMessage } from './alarms.ts';

/** What raised the alert when the message names nothing else (the `origin` message attribute). */
const DEFAULT_ORIGIN = 'cloudwatch';

export const handler = observed(
  'sns',
  async (payload: unknown): Promise<{ raised: number; ignored: number }> => {
    const { Records } = SnsSchema.parse(payload);
    let raised = 0;
    for (const { Sns } of Records) {
      const origin = Sns.MessageAttributes?.origin?.Value ?? DEFAULT_ORIGIN;
      // The alert's events carry the SNS message id as their correlation id: so do these lines.
      logger.setCorrelationId(Sns.MessageId);
      const alert = alertOfAlarmMessage(Sns.Message, origin);
      if (!alert) {
        logger.info('not a DLQ alarm entering ALARM: ignored', { messageId: Sns.MessageId });
        continue;
      }
      const write = emit('AlertRaised', alert, { correlationId: Sns.MessageId, occurredAt: alert.raisedAt });
      const outcome = await transactWrite(ddb, [{ tag: 'outbox', write }]);
      if (!outcome.ok)
        throw new Error(`AlertRaised for ${alert.alertKey} not written: ${outcome.failed.join(', ')}`);
      logger.info('DLQ alarm raised as an alert', { alertKey: alert.alertKey, messageId: Sns.MessageId });
      raised += 1;
    }
    metrics.addMetric('DlqAlarmsRaised', MetricUnit.Count, raised);
    return { raised, ignored: Records.length - raised };
  },
);
