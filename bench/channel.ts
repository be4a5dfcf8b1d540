/** What the bench instrumentation (bench/instrument.ts) reports per invocation, and its channel. */
export const CHANNEL = 'storeline-bench';

export interface InvocationSample {
  readonly fn: string;
  /** The route key, `sqs`, `stream` or `other`. */
  readonly kind: string;
  readonly records: number;
  readonly durationMs: number;
  /** Time waiting on DynamoDB calls. */
  readonly ddbMs: number;
  /** Time waiting on other AWS calls (EventBridge, SQS, SES…). */
  readonly otherAwsMs: number;
  readonly ddbCalls: number;
  readonly writeCalls: number;
  /** Write capacity DynamoDB Local reported. */
  readonly wcu: number;
  /** The same, with transactions counted at least at 2 WCU per item (what DynamoDB bills). */
  readonly wcuFloor: number;
  readonly rcu: number;
  readonly failed: boolean;
}
