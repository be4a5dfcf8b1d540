/**
 * The local stand-in for SES v2 and SNS: one HTTP endpoint speaking the protocols the SDK uses —
 * SES v2 `SendEmail` (REST-JSON, `POST /v2/email/outbound-emails`) and SNS `Publish` (query
 * protocol: a form-encoded `Action=Publish`, answered in XML) — where every message lands in a
 * local mailbox instead of being delivered. Functions reach it through `AWS_ENDPOINT_URL_SESV2`
 * and `AWS_ENDPOINT_URL_SNS`; `GET /_local/messages` shows what would have been sent.
 *
 * It refuses what SES and SNS refuse, so a mistake fails locally too: a sender outside the verified
 * identities (`MessageRejected`), a malformed address or an SES tag with characters SES rejects
 * (`BadRequestException`), a phone number not in E.164 or an over-long subject or SMS
 * (`InvalidParameter`), a topic that does not exist (`NotFound`). tests/conformance/messaging.test.ts
 * compares it with moto.
 *
 * The mailbox is kept in a JSON-lines file next to DynamoDB Local's data when data is on disk (one
 * line appended per message), so it survives restarts as the table does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import * as z from 'zod';
import { LOCAL_ACCOUNT } from './sqs.ts';

/** Where the mailbox is kept when data is on disk. */
export const LOCAL_MAILBOX_FILE = 'storeline-local-mailbox.jsonl';
/** The sender functions get locally (`MAIL_FROM`), unless `MAIL_FROM` is set for `npm start`. */
export const LOCAL_MAIL_FROM = 'Storeline <no-reply@storeline.local>';
/** The local ops topic (`OPS_TOPIC_ARN`): in AWS, the alarm topic. */
export const localOpsTopicArn = (region: string): string =>
  `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:storeline-ops`;

export const MailboxMessage = z.object({
  /** The provider's message id, as the sender got it. */
  id: z.string(),
  channel: z.enum(['email', 'sms', 'ops']),
  /** Email addresses, a phone number, or the topic ARN. */
  to: z.array(z.string()),
  from: z.string().optional(),
  subject: z.string().optional(),
  text: z.string(),
  html: z.string().optional(),
  /** `transactional` / `marketing` (email tag `category`, SMS type); ops notifications have none. */
  category: z.string().optional(),
  /** Ops notifications: `severity` attribute. */
  severity: z.string().optional(),
  /** Why it was sent: email tags and SNS string attributes other than the category. */
  tags: z.record(z.string(), z.string()),
  sentAt: z.string(),
});
export type MailboxMessage = z.infer<typeof MailboxMessage>;

export interface MailboxQuery {
  readonly to?: string | undefined;
  readonly channel?: string | undefined;
  readonly limit?: number | undefined;
}

/** Every message the local runtime's functions sent, oldest first. */
export class LocalMailbox {
  readonly file: string | undefined;
  private readonly messages: MailboxMessage[] = [];

  constructor(file?: string, log: (line: string) => void = () => undefined) {
    this.file = file;
    if (file && existsSync(file)) {
      let unreadable = 0;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          this.messages.push(MailboxMessage.parse(JSON.parse(line)));
        } catch {
          unreadable += 1;
        }
      }
      if (unreadable > 0) log(`mailbox ${file}: ${unreadable} unreadable lines skipped`);
    }
  }

  add(message: MailboxMessage): void {
    this.messages.push(message);
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify(message)}\n`);
    }
  }

  /** Newest first: to one recipient (any letter case), on one channel, at most `limit`. */
  list(query: MailboxQuery = {}): MailboxMessage[] {
    const to = query.to?.trim().toLowerCase();
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
    const found: MailboxMessage[] = [];
    for (let i = this.messages.length - 1; i >= 0 && found.length < limit; i--) {
      const m = this.messages[i];
      if (!m) continue;
      if (query.channel && m.channel !== query.channel) continue;
      if (to && !m.to.some((r) => addressOf(r).toLowerCase() === to || r.toLowerCase() === to)) continue;
      found.push(m);
    }
    return found;
  }

  get size(): number {
    return this.messages.length;
  }
}

export interface MessagingEndpointOptions {
  readonly mailbox: LocalMailbox;
  readonly region: string;
  /** Domains and addresses SES may send from (SES: verified identities). */
  readonly verifiedIdentities: readonly string[];
  /** Topic ARNs that exist. */
  readonly topics: readonly string[];
  readonly now?: () => Date;
}

/** `Storeline <no-reply@x>` → `no-reply@x`. */
export function addressOf(mailbox: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(mailbox);
  return (angle?.[1] ?? mailbox).trim();
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const SES_TAG = /^[A-Za-z0-9_-]{1,256}$/;
const E164 = /^\+[1-9][0-9]{1,14}$/;
/** SES: at most 50 recipients per message. */
const MAX_RECIPIENTS = 50;
/** SNS: subjects up to 100 characters; SMS up to 1600 bytes. */
const MAX_SUBJECT = 100;
const MAX_SMS_BYTES = 1600;
/** SNS: messages to topics up to 256 KB. */
const MAX_TOPIC_MESSAGE_BYTES = 256 * 1024;

class ProviderError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** One server for both protocols: SES v2 by its REST path, SNS by its form-encoded POST to `/`. */
export function createMessagingServer(options: MessagingEndpointOptions): Server {
  return createServer((req, res) => {
    void handle(req, res, options).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end((error as Error).message);
      }
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, options: MessagingEndpointOptions) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path.startsWith('/v2/email/')) return handleSes(req.method ?? 'GET', path, body, res, options);
  return handleSns(body, res, options);
}

// ---- SES v2 (REST-JSON) -------------------------------------------------------------------

function sesReply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

const Content = z.object({ Data: z.string(), Charset: z.string().optional() });
const SendEmailRequest = z.object({
  FromEmailAddress: z.string().optional(),
  Destination: z
    .object({
      ToAddresses: z.array(z.string()).optional(),
      CcAddresses: z.array(z.string()).optional(),
      BccAddresses: z.array(z.string()).optional(),
    })
    .optional(),
  Content: z.object({
    Simple: z
      .object({
        Subject: Content,
        Body: z.object({ Text: Content.optional(), Html: Content.optional() }),
      })
      .optional(),
    Raw: z.object({ Data: z.string() }).optional(),
    Template: z.unknown().optional(),
  }),
  EmailTags: z.array(z.object({ Name: z.string(), Value: z.string() })).optional(),
  ConfigurationSetName: z.string().optional(),
  ReplyToAddresses: z.array(z.string()).optional(),
});

/** SES's message ids: `0100` + 12 hex digits, a UUID, `-000000`. */
const sesMessageId = (): string => `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`;

function handleSes(
  method: string,
  path: string,
  body: string,
  res: ServerResponse,
  options: MessagingEndpointOptions,
) {
  if (!(method === 'POST' && path === '/v2/email/outbound-emails')) {
    return sesReply(res, 404, { message: `${method} ${path} is not emulated` }, 'NotFoundException');
  }
  try {
    let json: unknown;
    try {
      json = JSON.parse(body || '{}');
    } catch {
      throw new ProviderError('BadRequestException', 400, 'The request body is not valid JSON');
    }
    const parsed = SendEmailRequest.safeParse(json);
    if (!parsed.success) throw new ProviderError('BadRequestException', 400, z.prettifyError(parsed.error));
    const message = sesMessage(parsed.data, options);
    options.mailbox.add(message);
    return sesReply(res, 200, { MessageId: message.id });
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return sesReply(res, error.status, { message: error.message }, error.code);
  }
}

function sesMessage(request: z.infer<typeof SendEmailRequest>, options: MessagingEndpointOptions) {
  const simple = request.Content.Simple;
  if (!simple) {
    throw new ProviderError('BadRequestException', 400, 'Only Simple content is emulated locally');
  }
  const from = request.FromEmailAddress;
  if (!from) throw new ProviderError('BadRequestException', 400, 'Missing required FromEmailAddress');
  const fromAddress = addressOf(from);
  const destination = request.Destination ?? {};
  const recipients = [
    ...(destination.ToAddresses ?? []),
    ...(destination.CcAddresses ?? []),
    ...(destination.BccAddresses ?? []),
  ];
  if (recipients.length === 0) throw new ProviderError('BadRequestException', 400, 'Missing recipients');
  if (recipients.length > MAX_RECIPIENTS) {
    throw new ProviderError('MessageRejected', 400, 'Recipient count exceeds 50.');
  }
  for (const address of [fromAddress, ...recipients.map(addressOf)]) {
    if (!EMAIL.test(address)) {
      throw new ProviderError('BadRequestException', 400, `Illegal address: ${address}`);
    }
  }
  const domain = fromAddress.split('@')[1]?.toLowerCase() ?? '';
  const verified = options.verifiedIdentities.map((i) => i.toLowerCase());
  if (!verified.includes(fromAddress.toLowerCase()) && !verified.includes(domain)) {
    throw new ProviderError(
      'MessageRejected',
      400,
      `Email address is not verified. The following identities failed the check in region ${options.region.toUpperCase()}: ${fromAddress}`,
    );
  }
  if (simple.Body.Text === undefined && simple.Body.Html === undefined) {
    throw new ProviderError('BadRequestException', 400, 'Body must contain Text or Html');
  }
  const tags: Record<string, string> = {};
  let category: string | undefined;
  for (const tag of request.EmailTags ?? []) {
    if (!SES_TAG.test(tag.Name) || !SES_TAG.test(tag.Value)) {
      throw new ProviderError(
        'BadRequestException',
        400,
        `Invalid message tag ${tag.Name}=${tag.Value}: only ASCII letters, digits, _ and - are allowed`,
      );
    }
    if (tag.Name === 'category') category = tag.Value;
    else tags[tag.Name] = tag.Value;
  }
  return MailboxMessage.parse({
    id: sesMessageId(),
    channel: 'email',
    to: recipients,
    from,
    subject: simple.Subject.Data,
    text: simple.Body.Text?.Data ?? '',
    ...(simple.Body.Html ? { html: simple.Body.Html.Data } : {}),
    ...(category ? { category } : {}),
    tags,
    sentAt: (options.now ?? (() => new Date()))().toISOString(),
  });
}

// ---- SNS (query protocol) -----------------------------------------------------------------

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

const xmlEscape = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

function snsReply(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(xml);
}

function snsError(res: ServerResponse, error: ProviderError): void {
  snsReply(
    res,
    error.status,
    `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>Sender</Type><Code>${xmlEscape(error.code)}</Code>` +
      `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` → name → value. */
function messageAttributes(form: URLSearchParams): Map<string, { type: string; value: string }> {
  const found = new Map<string, { type: string; value: string }>();
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = form.get(`${prefix}.Name`) ?? '';
    const type = form.get(`${prefix}.Value.DataType`) ?? '';
    const value = form.get(`${prefix}.Value.StringValue`) ?? '';
    if (!/^(String|Number|Binary)(\..+)?$/.test(type)) {
      throw new ProviderError(
        'InvalidParameterValue',
        400,
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (value === '' && !type.startsWith('Binary')) {
      throw new ProviderError(
        'InvalidParameterValue',
        400,
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    found.set(name, { type, value });
  }
  return found;
}

function handleSns(body: string, res: ServerResponse, options: MessagingEndpointOptions) {
  const form = new URLSearchParams(body);
  const action = form.get('Action');
  try {
    if (action !== 'Publish') {
      throw new ProviderError(
        'InvalidAction',
        400,
        `The action ${action ?? '(none)'} is not emulated locally`,
      );
    }
    const message = snsMessage(form, options);
    options.mailbox.add(message);
    return snsReply(
      res,
      200,
      `<PublishResponse xmlns="${SNS_XMLNS}"><PublishResult><MessageId>${message.id}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return snsError(res, error);
  }
}

const invalid = (message: string) =>
  new ProviderError('InvalidParameter', 400, `Invalid parameter: ${message}`);

function snsMessage(form: URLSearchParams, options: MessagingEndpointOptions): MailboxMessage {
  const text = form.get('Message');
  if (!text) throw invalid('Empty message');
  const phone = form.get('PhoneNumber');
  const topic = form.get('TopicArn') ?? form.get('TargetArn');
  const subject = form.get('Subject') ?? undefined;
  if (subject !== undefined && subject.length > MAX_SUBJECT) {
    throw invalid('Subject Reason: Subject must be less than 100 characters');
  }
  const attributes = messageAttributes(form);
  const tags: Record<string, string> = {};
  for (const [name, { value }] of attributes) if (!/^AWS\./.test(name)) tags[name] = value;
  const sentAt = (options.now ?? (() => new Date()))().toISOString();
  if (phone) {
    if (!E164.test(phone)) throw invalid('PhoneNumber Reason: Phone number does not meet the E164 format');
    if (Buffer.byteLength(text, 'utf8') > MAX_SMS_BYTES) {
      throw invalid('Message Reason: SMS message must be less than 1600 bytes');
    }
    const type = attributes.get('AWS.SNS.SMS.SMSType')?.value;
    if (type !== undefined && type !== 'Transactional' && type !== 'Promotional') {
      throw invalid(`MessageAttributes Reason: AWS.SNS.SMS.SMSType must be Transactional or Promotional`);
    }
    return {
      id: randomUUID(),
      channel: 'sms',
      to: [phone],
      ...(subject === undefined ? {} : { subject }),
      text,
      // SNS sends Promotional when the type is not given (the account default).
      category: type === 'Transactional' ? 'transactional' : 'marketing',
      tags,
      sentAt,
    };
  }
  if (!topic) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  if (Buffer.byteLength(text, 'utf8') > MAX_TOPIC_MESSAGE_BYTES) throw invalid('Message too long');
  if (!options.topics.includes(topic)) throw new ProviderError('NotFound', 404, 'Topic does not exist');
  const { severity, ...rest } = tags;
  return {
    id: randomUUID(),
    channel: 'ops',
    to: [topic],
    ...(subject === undefined ? {} : { subject }),
    text,
    ...(severity === undefined ? {} : { severity }),
    tags: rest,
    sentAt,
  };
}
