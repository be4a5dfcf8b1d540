/**
 * Infra tier: what the webhook function needs beyond the generic wiring the stack test checks — its
 * Secrets Manager secret (readable by it alone, ARN in its environment) and the webhook route's own
 * throttling, without a JWT authorizer.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { webhookRoutes } from '#functions/webhooks/contract.ts';
import { WEBHOOK_ROUTE_THROTTLE, WEBHOOK_SECRETS_ARN_VARIABLE } from '#functions/webhooks/settings.ts';
import { topology } from '#infra/topology.ts';
import { routeKey } from '#shared/http/contract.ts';
import {
  actionsOf,
  allIdentityStatements,
  logicalId,
  ref,
  resource,
  resourcesOf,
  resourcesOfType,
  statementsForRole,
  synthesize,
} from './helpers.ts';

const { stack, template } = synthesize();
const webhooks = stack.functions.get('webhooks')!;
const [secretSpec] = topology.functions.webhooks.secrets;
const secret = webhooks.secrets.get(secretSpec.name)!;
const WEBHOOK_ROUTE = routeKey(webhookRoutes.receiveMarketingWebhook);

describe('Webhooks in the synthesized template', () => {
  it('has one Secrets Manager secret, generated as {"current": <64 characters>} and retained', () => {
    // Assess
    expect(Object.keys(resourcesOfType(template, 'AWS::SecretsManager::Secret'))).toEqual([
      logicalId(secret),
    ]);
    const cfn = resource(template, logicalId(secret));
    expect(cfn.Properties.GenerateSecretString).toEqual({
      SecretStringTemplate: '{}',
      GenerateStringKey: 'current',
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    expect(cfn.DeletionPolicy).toBe('Retain');
  });

  it('names the secret in a stack output, for rotation', () => {
    template.hasOutput('WebhookSigningSecretsArn', { Value: ref(secret) });
  });

  it('gives the webhooks function the secret ARN in its environment', () => {
    const fn = resource(template, logicalId(webhooks.function));
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      [WEBHOOK_SECRETS_ARN_VARIABLE]: ref(secret),
    });
  });

  it('lets the webhooks function, and no other role, read the secret', () => {
    // Prepare
    const readers = allIdentityStatements(template).filter(
      (s) => s.Effect === 'Allow' && actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );

    // Assess
    expect(readers).toHaveLength(1);
    expect(resourcesOf(readers[0]!)).toEqual([ref(secret)]);
    expect(statementsForRole(template, webhooks.role)).toContainEqual(readers[0]);
  });

  it('has the webhook route without a JWT authorizer', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: WEBHOOK_ROUTE,
      AuthorizationType: 'NONE',
      AuthorizerId: Match.absent(),
    });
  });

  it('throttles the webhook route on its own, below the stage default', () => {
    // Prepare
    const stage = resource(template, logicalId(stack.http.stage));
    const defaults = stage.Properties.DefaultRouteSettings as { ThrottlingRateLimit: number };

    // Assess (other routes' own limits: tests/infra/edge-protection.test.ts)
    expect(stage.Properties.RouteSettings).toMatchObject({
      [WEBHOOK_ROUTE]: {
        ThrottlingRateLimit: WEBHOOK_ROUTE_THROTTLE.rateLimit,
        ThrottlingBurstLimit: WEBHOOK_ROUTE_THROTTLE.burstLimit,
      },
    });
    expect(WEBHOOK_ROUTE_THROTTLE.rateLimit).toBeLessThan(defaults.ThrottlingRateLimit);
  });

  it('deploys the stage after the webhook route its settings name', () => {
    // Prepare
    const [routeId] = Object.keys(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: WEBHOOK_ROUTE } }),
    );
    const stage = template.toJSON().Resources[logicalId(stack.http.stage)] as { DependsOn?: string[] };

    // Assess
    expect(stage.DependsOn).toContain(routeId);
  });
});
