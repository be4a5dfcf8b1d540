/** The one way this app creates an SQS queue: encrypted at rest and reachable over TLS only. */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A queue with SQS-managed server-side encryption (SSE-SQS: no key to manage, and EventBridge and
 * Lambda can use it without a key policy) and a policy that denies any request not made over TLS.
 * Callers choose retention, visibility and redrive.
 */
export function secureQueue(scope: Construct, id: string, props: QueueProps = {}): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(4),
    ...props,
  });
}
