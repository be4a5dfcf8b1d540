/**
 * Where the active signing secrets come from (docs/security.md, "Marketing webhooks").
 *
 * - **In AWS**: the Secrets Manager secret named by `WEBHOOK_SECRETS_ARN`, read through Powertools
 *   parameters (`getSecret`) and cached per container for `SECRETS_CACHE_SECONDS`. Its value is a
 *   JSON object of label → secret, every value active:
 *
 *       {"current": "<64 characters>"}                                  (as CDK generates it)
 *       {"current": "<new secret>", "previous": "<old secret>"}         (during a rotation)
 *
 *   Labels are what the logs name when a request is accepted, so an operator sees when the sender
 *   stopped using the old secret; the secrets themselves are never logged. Each secret has at least
 *   `MIN_SECRET_LENGTH` characters; a value that breaks these rules fails every request with 500
 *   (and an error log) rather than accepting anything.
 * - **Locally**: `WEBHOOK_SECRET`, comma-separated for several (labels `local-1`, `local-2` …),
 *   which the local runtime sets (default `local-webhook-secret`).
 *
 * With neither variable the function fails at cold start: there is no built-in default that a
 * misconfigured deployment could fall back to.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';
import { SECRETS_CACHE_SECONDS, WEBHOOK_SECRET_VARIABLE, WEBHOOK_SECRETS_ARN_VARIABLE } from './settings.ts';
import type { SigningSecret } from './signature.ts';

/** Shortest secret accepted from Secrets Manager (CDK generates 64 characters). */
export const MIN_SECRET_LENGTH = 32;

const SecretValue = z
  .record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), z.string().min(MIN_SECRET_LENGTH).max(1024))
  .refine((secrets) => Object.keys(secrets).length > 0);

/**
 * The active secrets in a Secrets Manager value. Throws on anything else, naming where it is wrong
 * but never a value.
 */
export function parseSecretValue(raw: string | undefined): SigningSecret[] {
  let json: unknown;
  try {
    json = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    throw new Error('The webhook secret value is not JSON: expected {"<label>": "<secret>", …}');
  }
  const parsed = SecretValue.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new Error(
      `The webhook secret value must be a non-empty JSON object of label → secret of at least ` +
        `${MIN_SECRET_LENGTH} characters; wrong at: ${where}`,
    );
  }
  return Object.entries(parsed.data).map(([label, value]) => ({ label, value }));
}

/** The active secrets in `WEBHOOK_SECRET`: comma-separated, blanks ignored. */
export function parseLocalSecrets(value: string): SigningSecret[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((secret, i) => ({ label: `local-${i + 1}`, value: secret }));
}

/** The secrets active now. */
export type SecretSource = () => Promise<readonly SigningSecret[]>;

/** Reads the secret through the Powertools cache; parses a value only when it changed. */
function secretsManagerSource(arn: string): SecretSource {
  let last: { raw: string | undefined; secrets: SigningSecret[] } | undefined;
  return async () => {
    const raw = await getSecret<string>(arn, { maxAge: SECRETS_CACHE_SECONDS });
    if (last === undefined || last.raw !== raw) last = { raw, secrets: parseSecretValue(raw) };
    return last.secrets;
  };
}

/** The source the environment names: Secrets Manager in AWS, `WEBHOOK_SECRET` locally. */
export function secretSourceFrom(env: Readonly<Record<string, string | undefined>>): SecretSource {
  const arn = env[WEBHOOK_SECRETS_ARN_VARIABLE];
  if (arn) return secretsManagerSource(arn);
  const local = env[WEBHOOK_SECRET_VARIABLE];
  if (local !== undefined) {
    const secrets = parseLocalSecrets(local);
    return async () => secrets;
  }
  throw new Error(
    `Missing ${WEBHOOK_SECRETS_ARN_VARIABLE} (in AWS) or ${WEBHOOK_SECRET_VARIABLE} (locally): ` +
      'the webhook function has no signing secret',
  );
}
