/**
 * Outbound messaging, generated from the topology's `sends`: the SES sender identity and each
 * sending function's least-privilege grants.
 *
 * - **Email**: an SES `EmailIdentity` for the sender domain (stack prop / `-c senderDomain=…`,
 *   docs/deployment.md: its DKIM records must be published before SES sends), created only when a
 *   function sends email; `MAIL_FROM` is `Storeline <no-reply@<domain>>`. Each email sender may
 *   `ses:SendEmail`/`ses:SendRawEmail` on that identity's ARN only (no configuration set is used).
 * - **Ops notifications**: `sns:Publish` on the ops topic only — the topic the alarms already go to,
 *   so on-call sees alarms and notifications in one place — plus the use of its KMS key
 *   (`kms:GenerateDataKey*`, `kms:Decrypt`), which SNS needs to encrypt what is published.
 * - **SMS**: publishing to a phone number has no resource ARN, so `sns:Publish` is allowed on `*`;
 *   a function that does not also notify the ops topic gets an explicit deny on every topic
 *   (`arn:<partition>:sns:*:*:*`), leaving it SMS only. A function doing both cannot have that deny
 *   (an explicit deny would cancel its ops-topic allow): its `*` is acknowledged with that reason.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import type { SendsSpec } from '../topology/types.ts';

/** The sender domain when neither the stack prop nor `-c senderDomain=` names one. */
export const DEFAULT_SENDER_DOMAIN = 'storeline.example';

/** `Storeline <no-reply@shop.example.com>`: the `From` of every email. */
export const mailFromFor = (domain: string): string => `Storeline <no-reply@${domain}>`;

export interface MessagingProps {
  /** The domain emails are sent from (an SES domain identity). */
  readonly senderDomain: string;
  /** Whether any function sends email: the identity is only created then. */
  readonly email: boolean;
}

/** A function's execution role and the construct to acknowledge its findings on. */
export interface MessagingGrantee {
  readonly grantee: IGrantable;
  readonly scope: IConstruct;
}

export class Messaging extends Construct {
  readonly senderDomain: string;
  readonly mailFrom: string;
  readonly identity: EmailIdentity | undefined;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(props.senderDomain)) {
      throw new Error(
        `senderDomain must be a domain name such as shop.example.com, got "${props.senderDomain}"`,
      );
    }
    this.senderDomain = props.senderDomain;
    this.mailFrom = mailFromFor(props.senderDomain);
    this.identity = props.email
      ? new EmailIdentity(this, 'SenderIdentity', { identity: Identity.domain(props.senderDomain) })
      : undefined;
  }

  /** Grants a function what its `sends` declares, and nothing else. */
  grantSends(target: MessagingGrantee, sends: SendsSpec | undefined, opsTopic: ITopic): void {
    if (!sends) return;
    const { grantee, scope } = target;
    if (sends.email) {
      if (!this.identity) throw new Error('Messaging was built without email, but a function sends email');
      this.identity.grantSendEmail(grantee);
    }
    if (sends.opsTopic) opsTopic.grantPublish(grantee);
    if (sends.sms) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ sid: 'SmsToPhoneNumbers', actions: ['sns:Publish'], resources: ['*'] }),
      );
      if (!sends.opsTopic) {
        grantee.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({
            sid: 'NoTopicsOnlySms',
            effect: Effect.DENY,
            actions: ['sns:Publish'],
            resources: [`arn:${Stack.of(this).partition}:sns:*:*:*`],
          }),
        );
      }
    }
    if (sends.opsTopic) {
      Validations.of(scope).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to the KMS-encrypted ops topic needs GenerateDataKey and its variants on that one key (the ' +
          'grant SNS documents for encrypted topics); the resource is the key, not a wildcard.',
      });
    }
  }
}
