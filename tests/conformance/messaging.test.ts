/**
 * The local SES v2 and SNS endpoint (infra/local/messaging.ts) against moto's: the calls
 * `#shared/messaging.ts` makes — SES v2 `SendEmail` with tags, SNS `Publish` to a phone number
 * with the SMS type and to a topic with a subject — run through the same SDK clients on both, and
 * what the client observes (success and the message id's presence, or the error's name and HTTP
 * status) is compared. moto needs a verified identity and the topic to exist: set up on each side
 * beforehand, outside the comparison. Where the two differ on purpose is in docs/local-runtime.md.
 */
import { CreateEmailIdentityCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { listen } from '#infra/local/gateway.ts';
import { createMessagingServer, LocalMailbox } from '#infra/local/messaging.ts';
import { emailTags, SMS_TYPE_ATTRIBUTE } from '#shared/messaging.ts';
import { clientConfig } from '../support/moto.ts';

const motoEndpoint = inject('motoEndpoint');
const DOMAIN = 'conformance.example';

interface Side {
  readonly name: 'ours' | 'moto';
  readonly ses: SESv2Client;
  readonly sns: SNSClient;
  readonly topicArn: string;
}

/** What a client observes: success with a message id, or the error's name and HTTP status. */
async function outcome(
  call: Promise<{ MessageId?: string | undefined; $metadata: { httpStatusCode?: number } }>,
) {
  try {
    const out = await call;
    return { ok: true, status: out.$metadata.httpStatusCode, messageId: typeof out.MessageId };
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { ok: false, error: e.name, status: e.$metadata?.httpStatusCode };
  }
}

const email = (side: Side, from: string, over: { to?: string; tags?: Record<string, string> } = {}) =>
  side.ses.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: [over.to ?? 'ada@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Your receipt INV-2026-000042 ✓', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Total: €47.58', Charset: 'UTF-8' }, Html: { Data: '<p>€47.58</p>' } },
        },
      },
      EmailTags: emailTags('transactional', over.tags ?? { invoiceId: '01JQ8A1B2C3D4E5F6G7H8J9K0N' }),
    }),
  );

const sms = (side: Side, to: string, text = 'Your order has shipped') =>
  side.sns.send(
    new PublishCommand({
      PhoneNumber: to,
      Message: text,
      MessageAttributes: {
        campaignId: { DataType: 'String', StringValue: 'c-1' },
        [SMS_TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: 'Transactional' },
      },
    }),
  );

const ops = (side: Side, topicArn: string, subject = 'StockLow: SKU-1') =>
  side.sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: subject,
      Message: 'Available stock of SKU-1 fell to 2',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'warning' } },
    }),
  );

describe.skipIf(!motoEndpoint)('SES v2 and SNS: the local mailbox endpoint against moto', () => {
  const mailbox = new LocalMailbox();
  const ourTopic = `arn:aws:sns:${LOCAL_REGION}:000000000000:storeline-ops`;
  const server = createMessagingServer({
    mailbox,
    region: LOCAL_REGION,
    verifiedIdentities: [DOMAIN],
    topics: [ourTopic],
  });
  let sides: Side[] = [];

  beforeAll(async () => {
    const ours = `http://127.0.0.1:${await listen(server, 0)}`;
    const motoSes = new SESv2Client(clientConfig(motoEndpoint));
    const motoSns = new SNSClient(clientConfig(motoEndpoint));
    await motoSes.send(new CreateEmailIdentityCommand({ EmailIdentity: DOMAIN }));
    const topic = await motoSns.send(new CreateTopicCommand({ Name: `ops-${process.pid}` }));
    sides = [
      {
        name: 'ours',
        ses: new SESv2Client(clientConfig(ours)),
        sns: new SNSClient(clientConfig(ours)),
        topicArn: ourTopic,
      },
      { name: 'moto', ses: motoSes, sns: motoSns, topicArn: topic.TopicArn ?? '' },
    ];
  });

  afterAll(async () => {
    for (const side of sides) {
      side.ses.destroy();
      side.sns.destroy();
    }
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  /** Runs a scenario on both sides: [ours, moto]. */
  const both = <T>(scenario: (side: Side) => Promise<T>) => Promise.all(sides.map(scenario));

  it('sends an email from a verified domain, with a display name, tags and both bodies', async () => {
    const [ours, moto] = await both((side) => outcome(email(side, `Storeline <no-reply@${DOMAIN}>`)));
    expect(ours).toEqual({ ok: true, status: 200, messageId: 'string' });
    expect(moto).toEqual(ours);
    expect(mailbox.list({ to: 'ada@example.com' })[0]).toMatchObject({
      channel: 'email',
      category: 'transactional',
      tags: { invoiceId: '01JQ8A1B2C3D4E5F6G7H8J9K0N' },
      subject: 'Your receipt INV-2026-000042 ✓',
      text: 'Total: €47.58',
      html: '<p>€47.58</p>',
    });
  });

  it('refuses an email from an unverified sender with MessageRejected', async () => {
    const before = mailbox.size;
    const [ours, moto] = await both((side) => outcome(email(side, 'billing@elsewhere.example')));
    expect(ours).toMatchObject({ ok: false, error: 'MessageRejected', status: 400 });
    expect(moto).toEqual(ours);
    expect(mailbox.size).toBe(before);
  });

  it('publishes an SMS to an E.164 number with its SMS type', async () => {
    const [ours, moto] = await both((side) => outcome(sms(side, '+442079460958')));
    expect(ours).toEqual({ ok: true, status: 200, messageId: 'string' });
    expect(moto).toEqual(ours);
    expect(mailbox.list({ to: '+442079460958', channel: 'sms' })[0]).toMatchObject({
      category: 'transactional',
      tags: { campaignId: 'c-1' },
      text: 'Your order has shipped',
    });
  });

  it('refuses an SMS to a number not in E.164, and one over 1600 characters', async () => {
    const [ours, moto] = await both((side) => outcome(sms(side, '020 7946 0958')));
    expect(ours).toMatchObject({ ok: false, error: 'InvalidParameterException', status: 400 });
    expect(moto).toEqual(ours);
    const [oursLong, motoLong] = await both((side) => outcome(sms(side, '+442079460958', 'x'.repeat(1601))));
    expect(oursLong).toMatchObject({ ok: false, error: 'InvalidParameterException', status: 400 });
    expect(motoLong).toEqual(oursLong);
  });

  it('publishes to the ops topic with a subject and the severity attribute', async () => {
    const [ours, moto] = await both((side) => outcome(ops(side, side.topicArn)));
    expect(ours).toEqual({ ok: true, status: 200, messageId: 'string' });
    expect(moto).toEqual(ours);
    expect(mailbox.list({ channel: 'ops' })[0]).toMatchObject({
      to: [ourTopic],
      subject: 'StockLow: SKU-1',
      severity: 'warning',
      tags: {},
    });
  });

  it('refuses a subject over 100 characters, and a topic that does not exist', async () => {
    const [ours, moto] = await both((side) => outcome(ops(side, side.topicArn, 's'.repeat(101))));
    expect(ours).toMatchObject({ ok: false, error: 'InvalidParameterException', status: 400 });
    expect(moto).toEqual(ours);
    const missing = (side: Side) => side.topicArn.replace(/:[^:]+$/, ':no-such-topic');
    const [oursMissing, motoMissing] = await both((side) => outcome(ops(side, missing(side))));
    expect(oursMissing).toMatchObject({ ok: false, error: 'NotFoundException', status: 404 });
    expect(motoMissing).toEqual(oursMissing);
  });
});
