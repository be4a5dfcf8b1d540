/** The one way this app creates an SQS queue: encrypted at rest and reachable over TLS only. */
import { Duration } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  type CfnQueuePolicy,
  Queue,
  QueueEncryption,
  type QueuePolicy,
  type QueueProps,
} from 'aws-cdk-lib/aws-sqs';
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

/** A queue's policy: public in CDK's JavaScript, where `addToResourcePolicy` writes; private in its typings. */
const policyOf = (queue: Queue): QueuePolicy | undefined =>
  (queue as unknown as { policy?: QueuePolicy }).policy;

/**
 * Makes `other` (a secure queue created with `enforceSSL: false`, no policy yet) share `queue`'s
 * policy: one `AWS::SQS::QueuePolicy` naming both queues, holding `queue`'s statements, the same
 * TLS-only deny for `other`, and whatever is granted on `other` from now on (the statements name
 * their own queue's ARN, so a grant on one queue is not a grant on the other). A consumer's queue
 * and DLQ share one, which keeps the stack under CloudFormation's 500 resources.
 */
export function shareQueuePolicy(queue: Queue, other: Queue): void {
  const policy = policyOf(queue);
  if (!policy) throw new Error(`${queue.node.path} has no policy to share (create it with enforceSSL)`);
  if (policyOf(other)) throw new Error(`${other.node.path} already has a policy of its own`);
  (policy.node.defaultChild as CfnQueuePolicy).queues = [queue.queueUrl, other.queueUrl];
  // QueueBase adds every later statement to `policy`, creating one only when it is unset.
  Object.assign(other, { policy });
  other.addToResourcePolicy(
    new PolicyStatement({
      actions: ['sqs:*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      effect: Effect.DENY,
      resources: [other.queueArn],
      principals: [new AnyPrincipal()],
    }),
  );
}
