/**
 * The webhook function's configuration names, in a leaf module: the topology (which the local
 * runtime and the CDK stack read) and the function share them without the topology loading the
 * Secrets Manager client.
 */

/** In AWS: the ARN of the Secrets Manager secret holding the active signing secrets. */
export const WEBHOOK_SECRETS_ARN_VARIABLE = 'WEBHOOK_SECRETS_ARN';

/** Locally (no Secrets Manager): the active signing secrets, comma-separated. */
export const WEBHOOK_SECRET_VARIABLE = 'WEBHOOK_SECRET';

/** The local runtime's secret when `WEBHOOK_SECRET` is not set (docs/api.md, "Local runtime extras"). */
export const LOCAL_WEBHOOK_SECRET = 'local-webhook-secret';

/** The key under which CDK generates the first secret: `{"current": "<64 random characters>"}`. */
export const GENERATED_SECRET_LABEL = 'current';

/** Seconds a fetched secret value is cached per container: also the longest a rotation takes to be seen. */
export const SECRETS_CACHE_SECONDS = 300;

/** Steady-state requests per second and burst the webhook route accepts before API Gateway answers 429. */
export const WEBHOOK_ROUTE_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;
