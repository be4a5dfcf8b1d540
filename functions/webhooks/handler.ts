/**
 * Marketing webhooks API: the signature is checked before anything else about the request (the
 * shared edge calls `verifySignature` before parsing the body), then the event is received once
 * per id. Every refusal is the same 401; its reason goes to the log only.
 */
import { AppError } from '#shared/errors.ts';
import { httpApi, json, type SignedRequest } from '#shared/http/handler.ts';
import { logger, recordBusinessMetric } from '#shared/observability.ts';
import { webhookRoutes } from './contract.ts';
import { receiveWebhook, statusOf } from './receive.ts';
import { secretSourceFrom } from './secrets.ts';
import { TIMESTAMP_HEADER, verifySignature } from './signature.ts';

// Resolved at cold start: a function deployed without a secret fails on its first line.
const activeSecrets = secretSourceFrom(process.env);

/** The one answer to every refused signature: it says nothing about what was wrong. */
const REFUSED = 'The webhook signature is missing, invalid or expired';

async function verify({ headers, rawBody }: SignedRequest): Promise<void> {
  const check = verifySignature({
    headers,
    rawBody,
    secrets: await activeSecrets(),
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  if (!check.ok) {
    logger.warn('webhook signature refused', { reason: check.reason });
    throw new AppError('UNAUTHORIZED', REFUSED);
  }
  // Which secret matched (its label, never its value): during a rotation this says when the
  // sender has moved to the new one.
  logger.appendKeys({ webhookSecret: check.secretLabel });
}

/** The signed timestamp of a request that passed `verify`. */
const signedAtOf = (headers: Readonly<Record<string, string | undefined>>): number =>
  Number(headers[TIMESTAMP_HEADER]);

export const handler = httpApi(
  webhookRoutes,
  {
    receiveMarketingWebhook: async ({ body, rawBody, headers, requestId }) => {
      const receipt = await receiveWebhook({
        event: body,
        rawBody,
        signedAt: signedAtOf(headers),
        receivedAt: new Date().toISOString(),
        requestId,
      });
      return json(receipt, statusOf(receipt));
    },
  },
  {
    verifySignature: verify,
    // Accepted (applied, recorded or duplicate) or refused, by reason (docs/operations.md).
    onOutcome: ({ status, code }) => {
      if (status < 300) recordBusinessMetric('WebhooksAccepted', 1);
      else
        recordBusinessMetric(
          'WebhooksRefused',
          1,
          code === 'UNAUTHORIZED'
            ? 'signature'
            : code === 'VALIDATION_FAILED' || code === 'MALFORMED_JSON'
              ? 'validation'
              : 'other',
        );
    },
  },
);
