/**
 * Infra tier: outbound messaging from the topology's `sends` — the SES sender identity, the
 * receipts functions' least-privilege SES grant, their queue and route — and, on a small topology
 * with every kind of sender, the SNS grants: the ops (alarm) topic only, SMS with every topic
 * denied, and cdk-nag clean.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { receiptRoutes } from '#functions/receipts/contract.ts';
import { buildApp } from '#infra/app.ts';
import { DEFAULT_SENDER_DOMAIN, mailFromFor } from '#infra/constructs/messaging.ts';
import { type Topology, topology } from '#infra/topology.ts';
import { routeKey } from '#shared/http/contract.ts';
import {
  actionsOf,
  allIdentityStatements,
  getAtt,
  logicalId,
  type PolicyStatementJson,
  ref,
  resource,
  resourcesOf,
  resourcesOfType,
  SKIP_BUNDLING,
  statementsForRole,
  synthesize,
} from './helpers.ts';

const { stack, template } = synthesize();
const identity = stack.messaging.identity!;
const identityArn = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ses:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':identity/',
      ref(identity),
    ],
  ],
};
const isSes = (s: PolicyStatementJson) => actionsOf(s).some((a) => a.startsWith('ses:'));
const isSns = (s: PolicyStatementJson) => actionsOf(s).some((a) => a.startsWith('sns:'));
const emailSenders = Object.entries(topology.functions as Topology['functions'])
  .filter(([, spec]) => spec.sends?.email === true)
  .map(([name]) => name);

describe('Messaging in the synthesized template', () => {
  it('has one SES domain identity for the default sender domain', () => {
    const identities = resourcesOfType(template, 'AWS::SES::EmailIdentity');
    expect(Object.keys(identities)).toEqual([logicalId(identity)]);
    expect(resource(template, logicalId(identity)).Properties.EmailIdentity).toBe(DEFAULT_SENDER_DOMAIN);
  });

  it('takes the sender domain from the stack prop or the senderDomain context', () => {
    const { stack: other } = buildApp({
      context: { ...SKIP_BUNDLING, senderDomain: 'shop.example.com' },
      nag: false,
    });
    expect(other.messaging.senderDomain).toBe('shop.example.com');
    expect(other.messaging.mailFrom).toBe('Storeline <no-reply@shop.example.com>');
    expect(() =>
      buildApp({ context: { ...SKIP_BUNDLING, senderDomain: 'not a domain' }, nag: false }),
    ).toThrow(/senderDomain/);
  });

  it('lets exactly the email senders (receipts and its API) send, on the sender identity only', () => {
    expect(emailSenders).toEqual(expect.arrayContaining(['receipts', 'receiptsApi']));
    const sesStatements = allIdentityStatements(template).filter(isSes);
    expect(sesStatements).toHaveLength(emailSenders.length);
    for (const statement of sesStatements) {
      expect(statement.Effect).toBe('Allow');
      expect(actionsOf(statement).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(resourcesOf(statement)).toEqual([identityArn]);
    }
    for (const name of emailSenders) {
      const fn = stack.functions.get(name)!;
      expect(statementsForRole(template, fn.role).filter(isSes)).toHaveLength(1);
      const env = (
        resource(template, logicalId(fn.function)).Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(env.MAIL_FROM).toBe(mailFromFor(DEFAULT_SENDER_DOMAIN));
      expect(env.OPS_TOPIC_ARN).toBeUndefined();
    }
  });

  it('gives no function of the Storeline topology SNS permissions it does not declare', () => {
    const declared = Object.values(topology.functions).some(
      (spec) => 'sends' in spec && ('sms' in spec.sends || 'opsTopic' in spec.sends),
    );
    if (!declared) expect(allIdentityStatements(template).filter(isSns)).toEqual([]);
  });

  it('feeds the receipts consumer from InvoiceIssued and routes POST /invoices/{id}/send to its API', () => {
    const consumer = stack.consumers.get('receipts')!;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(consumer.queue),
      FunctionName: ref(stack.functions.get('receipts')!.function),
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['storeline.invoicing'], 'detail-type': ['InvoiceIssued'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey(receiptRoutes.sendReceipt),
    });
  });
});

/** Every kind of sender: ops only, SMS only, SMS and ops, email. */
const senders: Topology = {
  ...topology,
  functions: {
    alerting: { ...base('Ops notifications'), sends: { opsTopic: true } },
    campaigns: { ...base('SMS and email'), sends: { sms: true, email: true } },
    both: { ...base('SMS and ops'), sends: { sms: true, opsTopic: true } },
    quiet: base('Sends nothing'),
  },
};
function base(description: string) {
  return {
    entry: 'functions/platform/handler.ts',
    description,
    memoryMb: 256,
    timeoutSeconds: 10,
    table: 'none' as const,
  };
}

describe('Messaging grants on a topology with every kind of sender', () => {
  const { app, stack: s } = buildApp({ context: SKIP_BUNDLING, topology: senders });
  const assembly = app.synth();
  const t = Template.fromStack(s);
  const alarmTopic = s.observability.alarmTopic;
  const roleOf = (name: string) => s.functions.get(name)!.role;
  const snsOf = (name: string) => statementsForRole(t, roleOf(name)).filter(isSns);

  it('lets an ops notifier publish to the alarm topic only, and use its key', () => {
    expect(snsOf('alerting')).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Resource: ref(alarmTopic) }),
    ]);
    const kms = statementsForRole(t, roleOf('alerting')).filter((st) =>
      actionsOf(st).some((a) => a.startsWith('kms:')),
    );
    expect(kms).toHaveLength(1);
    expect(resourcesOf(kms[0]!)).toHaveLength(1);
    expect(JSON.stringify(resourcesOf(kms[0]!))).toContain('AlarmTopicKey');
    const env = (
      resource(t, logicalId(s.functions.get('alerting')!.function)).Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env.OPS_TOPIC_ARN).toEqual(ref(alarmTopic));
    expect(env.MAIL_FROM).toBeUndefined();
  });

  it('lets an SMS sender publish to phone numbers and denies it every topic', () => {
    const statements = snsOf('campaigns');
    expect(statements).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }),
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:*']] },
      }),
    ]);
  });

  it('lets a function doing both publish SMS and to the ops topic, without a deny cancelling the topic', () => {
    const statements = snsOf('both');
    expect(statements.filter((st) => st.Effect === 'Deny')).toEqual([]);
    expect(statements.map((st) => st.Resource)).toEqual(expect.arrayContaining(['*', ref(alarmTopic)]));
  });

  it('gives a function that sends nothing no SES or SNS permission', () => {
    expect(statementsForRole(t, roleOf('quiet')).filter((st) => isSes(st) || isSns(st))).toEqual([]);
  });

  it('passes cdk-nag with every finding acknowledged', () => {
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[];
    };
    const findings = report.pluginReports
      .filter((p) => p.pluginName === 'AwsSolutions')
      .flatMap((p) => p.violations.map((v) => `${v.severity} ${v.ruleName}`));
    expect(findings).toEqual([]);
  });
});
