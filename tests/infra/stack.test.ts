/**
 * Infra tier: the synthesized template against the topology it was generated from. Every expectation
 * is derived from the topology (Storeline's and a synthetic one using every feature), never counted
 * by hand, so adding a function or a route to the topology is tested without touching this file.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { JWT_ACCESS, STAFF_GROUP } from '#infra/constructs/http-api.ts';
import { allRoutes, functionEntries, functionEnvironment, type Topology, topology } from '#infra/topology.ts';
import { routeKey } from '#shared/http/contract.ts';
import {
  actionsOf,
  allIdentityStatements,
  allowedActions,
  getAtt,
  logicalId,
  ref,
  resource,
  resourcesOf,
  resourcesOfType,
  synthesize,
} from './helpers.ts';
import { syntheticTopology } from './synthetic-topology.ts';

const topologies: [string, Topology][] = [
  ['Storeline topology', topology],
  ['synthetic topology', syntheticTopology],
];

const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];

/** IAM accepts only `*` for this action (it lists the account's streams); Lambda needs it for stream mappings. */
const UNSCOPABLE_DYNAMODB_ACTIONS = new Set(['dynamodb:ListStreams']);

describe('StorelineStack', () => {
  describe.each(topologies)('from the %s', (_label, t) => {
    const { stack, template } = synthesize(t);
    const functions = functionEntries(t);
    const routes = allRoutes(t);

    describe('table', () => {
      const table = resource(template, logicalId(stack.table));

      it('has string pk/sk keys, on-demand billing, the stream view type and the TTL attribute of the topology', () => {
        // Prepare
        const keyNames = [t.table.partitionKey, t.table.sortKey];

        // Assess
        expect(table.Properties.KeySchema).toEqual([
          { AttributeName: t.table.partitionKey, KeyType: 'HASH' },
          { AttributeName: t.table.sortKey, KeyType: 'RANGE' },
        ]);
        expect(table.Properties.AttributeDefinitions).toEqual(
          expect.arrayContaining(keyNames.map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
        );
        expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
        expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: t.table.stream });
        expect(table.Properties.TimeToLiveSpecification).toEqual({
          AttributeName: t.table.ttlAttribute,
          Enabled: true,
        });
        expect(table.Properties.TableName).toBeUndefined();
      });

      it('has every GSI of the topology with string keys and all attributes projected', () => {
        expect(table.Properties.GlobalSecondaryIndexes).toHaveLength(t.table.indexes.length);
        for (const index of t.table.indexes) {
          expect(table.Properties.GlobalSecondaryIndexes).toContainEqual({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          });
          expect(table.Properties.AttributeDefinitions).toEqual(
            expect.arrayContaining([
              { AttributeName: index.partitionKey, AttributeType: 'S' },
              { AttributeName: index.sortKey, AttributeType: 'S' },
            ]),
          );
        }
      });

      it('has point-in-time recovery and deletion protection, is encrypted and is retained on stack deletion', () => {
        expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
          PointInTimeRecoveryEnabled: true,
        });
        expect(table.Properties.DeletionProtectionEnabled).toBe(true);
        expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.UpdateReplacePolicy).toBe('Retain');
      });
    });

    describe('event bus', () => {
      it('archives every event put on the bus for the retention of the topology (0: forever)', () => {
        template.hasResourceProperties('AWS::Events::Archive', {
          SourceArn: getAtt(stack.bus),
          EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
          RetentionDays: t.bus.archiveRetentionDays,
        });
      });
    });

    describe('functions', () => {
      it('creates exactly one Lambda function per topology function', () => {
        expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'))).toHaveLength(
          functions.length,
        );
      });

      it.each(functions)(
        '%s runs nodejs24.x on arm64 with active tracing, and the memory, timeout and description of the topology',
        (name, spec) => {
          // Prepare
          const fn = resource(template, logicalId(stack.functions.get(name)!.function));

          // Assess
          expect(fn.Properties).toMatchObject({
            Runtime: 'nodejs24.x',
            Architectures: ['arm64'],
            TracingConfig: { Mode: 'Active' },
            MemorySize: spec.memoryMb,
            Timeout: spec.timeoutSeconds,
            Description: spec.description,
            Handler: 'index.handler',
          });
        },
      );

      it.each(functions)(
        '%s logs to its own log group, kept one month and deleted with the stack',
        (name) => {
          // Prepare
          const construct = stack.functions.get(name)!;
          const fn = resource(template, logicalId(construct.function));
          const logGroup = resource(template, logicalId(construct.logGroup));

          // Assess
          expect(fn.Properties.LoggingConfig).toEqual({
            LogFormat: 'JSON',
            LogGroup: ref(construct.logGroup),
          });
          expect(logGroup.Properties.RetentionInDays).toBe(30);
          expect(logGroup.DeletionPolicy).toBe('Delete');
        },
      );

      it.each(functions)('%s gets the environment functionEnvironment computes for it', (name, spec) => {
        // Prepare
        const expected = stack.resolve(
          functionEnvironment(
            name,
            spec,
            {
              tableName: stack.table.tableName,
              busName: stack.bus.eventBusName,
              secretArns: Object.fromEntries(
                [...stack.functions.get(name)!.secrets].map(([secret, s]) => [secret, s.secretArn]),
              ),
              messaging: {
                mailFrom: stack.messaging.mailFrom,
                opsTopicArn: stack.observability.alarmTopic.topicArn,
              },
              timers: Object.fromEntries(stack.timers.get(name)?.resources ?? []),
            },
            t,
          ),
        );

        // Act
        const fn = resource(template, logicalId(stack.functions.get(name)!.function));

        // Assess
        expect(fn.Properties.Environment).toEqual({ Variables: expected });
      });

      it.each(functions)('%s may use the table and the bus exactly as the topology says', (name, spec) => {
        // Prepare
        const actions = allowedActions(template, stack.functions.get(name)!.role);
        const canRead = READ_ACTIONS.every((a) => actions.has(a));
        const canWrite = WRITE_ACTIONS.some((a) => actions.has(a));

        // Assess
        expect({ canRead, canWrite }).toEqual({
          canRead: spec.table !== 'none',
          canWrite: spec.table === 'readWrite',
        });
        expect(actions.has('events:PutEvents')).toBe(spec.publishesToBus === true);
      });

      it('grants PutEvents on this bus only', () => {
        for (const statement of allIdentityStatements(template)) {
          if (actionsOf(statement).includes('events:PutEvents')) {
            expect(resourcesOf(statement)).toEqual([getAtt(stack.bus)]);
          }
        }
      });
    });

    describe('IAM', () => {
      it('allows no DynamoDB or EventBridge action on Resource "*" (except ListStreams, which IAM cannot scope)', () => {
        // Prepare
        const offending = allIdentityStatements(template).filter(
          (statement) =>
            statement.Effect === 'Allow' &&
            resourcesOf(statement).includes('*') &&
            actionsOf(statement).some(
              (action) =>
                (action.startsWith('dynamodb:') && !UNSCOPABLE_DYNAMODB_ACTIONS.has(action)) ||
                action.startsWith('events:'),
            ),
        );

        // Assess
        expect(offending).toEqual([]);
      });

      it('allows ListStreams only to functions that subscribe to the stream', () => {
        for (const [name, spec] of functions) {
          const actions = allowedActions(template, stack.functions.get(name)!.role);
          expect(actions.has('dynamodb:ListStreams')).toBe(spec.stream !== undefined);
        }
      });

      it('attaches no AWS managed policy to any role', () => {
        for (const role of Object.values(resourcesOfType(template, 'AWS::IAM::Role'))) {
          expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        }
      });
    });

    describe('HTTP API', () => {
      it('has exactly the routes of the topology', () => {
        // Prepare
        const routeKeys = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map(
          (r) => r.Properties.RouteKey,
        );

        // Assess
        expect(routeKeys.sort()).toEqual(routes.map(({ route }) => routeKey(route)).sort());
      });

      it.each(routes.map((entry) => [routeKey(entry.route), entry] as const))(
        '%s has a JWT authorizer exactly when its access needs a token, and reaches its function',
        (key, { functionName, route }) => {
          // Prepare
          const jwt = JWT_ACCESS.has(route.access);
          const fn = stack.functions.get(functionName)!.function;
          const [routeResource] = Object.values(
            template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: key } }),
          ) as { Properties: { Target: { 'Fn::Join': [string, [string, { Ref: string }]] } } }[];
          const integrationId = routeResource!.Properties.Target['Fn::Join'][1][1].Ref;

          // Assess
          template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
            RouteKey: key,
            AuthorizationType: jwt ? 'JWT' : 'NONE',
            AuthorizerId: jwt ? Match.anyValue() : Match.absent(),
          });
          expect(resource(template, integrationId).Properties).toMatchObject({
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: getAtt(fn),
            PayloadFormatVersion: '2.0',
          });
        },
      );

      it('has one Lambda integration per function that serves routes', () => {
        // Prepare
        const servingFunctions = new Set(routes.map(({ functionName }) => functionName));

        // Assess
        expect(Object.keys(resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'))).toHaveLength(
          servingFunctions.size,
        );
      });

      it('validates JWTs issued by the user pool for its client', () => {
        template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: {
            Audience: [ref(stack.http.userPoolClient)],
            Issuer: Match.objectLike({
              'Fn::Join': ['', Match.arrayWith([ref(stack.http.userPool)])],
            }),
          },
        });
      });

      it('writes JSON access logs with the request id from the auto-deployed $default stage', () => {
        // Prepare
        const stage = resource(template, logicalId(stack.http.stage));
        const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };

        // Assess
        expect(stage.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true });
        expect(settings.DestinationArn).toEqual(getAtt(stack.http.accessLogGroup));
        expect(JSON.parse(settings.Format)).toMatchObject({ requestId: '$context.requestId' });
        expect(resource(template, logicalId(stack.http.accessLogGroup)).Properties.RetentionInDays).toBe(30);
      });
    });

    describe('observability', () => {
      // The dashboard and the alarms are in the operations nested stack: tests/infra/observability.test.ts.
      it('sends alarms to a KMS-encrypted topic that refuses non-TLS publishers', () => {
        template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
        template.hasResourceProperties('AWS::SNS::TopicPolicy', {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
        template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      });
    });

    it('outputs the API URL, user pool and client ids, table name and bus name', () => {
      // Prepare
      const outputs = template.findOutputs('*');

      // Assess
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'TableName', 'EventBusName']),
      );
      expect(outputs.TableName?.Value).toEqual(ref(stack.table));
      expect(outputs.EventBusName?.Value).toEqual(ref(stack.bus));
    });
  });

  describe('user pool', () => {
    const { stack, template } = synthesize();

    it('refuses self sign-up and requires 12+ character passwords with every character class', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: Match.anyValue(),
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: 'ACTIVE',
      });
      const pool = resource(template, logicalId(stack.http.userPool));
      const policy = (pool.Properties.Policies as { PasswordPolicy: { MinimumLength: number } })
        .PasswordPolicy;
      expect(policy.MinimumLength).toBeGreaterThanOrEqual(12);
      expect(pool.DeletionPolicy).toBe('Retain');
    });

    it(`has a "${STAFF_GROUP}" group and a public client without a secret, with the code flow only`, () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
        GroupName: STAFF_GROUP,
        UserPoolId: ref(stack.http.userPool),
      });
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        UserPoolId: ref(stack.http.userPool),
        GenerateSecret: false,
        // The authorization code flow (PKCE) is how a client gets the API scope: edge-protection.test.ts.
        AllowedOAuthFlows: ['code'],
        PreventUserExistenceErrors: 'ENABLED',
        ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']),
      });
    });
  });

  describe('hot counters', () => {
    const { stack, template } = synthesize();

    it('bounds the sales-reports consumer (it adds every order to a shared day × channel row)', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: ref(stack.functions.get('salesReports')!.function),
        ScalingConfig: { MaximumConcurrency: 2 },
      });
    });
  });
});
