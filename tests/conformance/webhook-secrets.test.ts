/**
 * The webhook function's AWS secret path (functions/webhooks/secrets.ts) against moto's Secrets
 * Manager, through the same Powertools `getSecret` and SDK client the function uses in AWS: the
 * value format, and the per-container cache that bounds how fast a rotation is seen.
 */
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/dynamodb.ts';

const motoEndpoint = inject('motoEndpoint');
const current = 'c'.repeat(64);
const next = 'n'.repeat(64);
let client: SecretsManagerClient;
let secrets: typeof import('#functions/webhooks/secrets.ts');

async function secretWith(value: string): Promise<string> {
  const created = await client.send(
    new CreateSecretCommand({ Name: `webhook-${crypto.randomUUID()}`, SecretString: value }),
  );
  return created.ARN!;
}

describe.skipIf(!motoEndpoint)('Webhook secrets from Secrets Manager (moto)', () => {
  beforeAll(async () => {
    // The standard variables Powertools' client reads, as Lambda provides them in AWS.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    client = new SecretsManagerClient({
      endpoint: motoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    secrets = await import('#functions/webhooks/secrets.ts');
  });

  it('reads every label of the JSON value as an active secret', async () => {
    // Prepare
    const arn = await secretWith(JSON.stringify({ current, previous: next }));

    // Act
    const active = await secrets.secretSourceFrom({ WEBHOOK_SECRETS_ARN: arn })();

    // Assess
    expect(active).toEqual([
      { label: 'current', value: current },
      { label: 'previous', value: next },
    ]);
  });

  it('serves the cached value until it is older than SECRETS_CACHE_SECONDS, so a rotation is seen within it', async () => {
    // Prepare
    const arn = await secretWith(JSON.stringify({ current }));
    const source = secrets.secretSourceFrom({ WEBHOOK_SECRETS_ARN: arn });
    expect(await source()).toEqual([{ label: 'current', value: current }]);

    // Act: a rotation adds a secret
    await client.send(
      new PutSecretValueCommand({
        SecretId: arn,
        SecretString: JSON.stringify({ current: next, previous: current }),
      }),
    );

    // Assess: the cache still answers (no call to Secrets Manager per request)
    expect(await source()).toEqual([{ label: 'current', value: current }]);
  });

  it('fails, naming no value, when the secret holds something other than label → secret', async () => {
    const arn = await secretWith(JSON.stringify(['short']));
    await expect(secrets.secretSourceFrom({ WEBHOOK_SECRETS_ARN: arn })()).rejects.toThrow(
      /webhook secret value must be a non-empty JSON object/,
    );
  });
});
