/**
 * The one Lambda construct: every function in the topology is an instance of it, so its defaults
 * are the platform's defaults. Wiring (routes, stream, queues, schedules) is added by the stack.
 */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BUNDLING } from '#infra/bundling.ts';
import { INDEX_ACTIONS, TABLE_ACTIONS } from '#infra/topology/access.ts';
import { type FunctionSpec, functionEnvironment, type Topology, topology } from '#infra/topology.ts';
import { pascalCase } from './names.ts';

/** The repository root: entries in the topology are relative to it, and esbuild runs from it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Quotes a path for the POSIX shell the bundling hooks run in. */
const shellQuote = (path: string): string => `'${path.replaceAll("'", "'\\''")}'`;

/**
 * A function's `assets` (repo-relative), each checked to sit in its entry's folder, so that
 * `new URL('./<name>', import.meta.url)` finds it both locally (beside the TypeScript entry) and in
 * AWS (beside the bundle).
 */
export function assetsOf(spec: Pick<FunctionSpec, 'entry' | 'assets'>): readonly string[] {
  const assets = spec.assets ?? [];
  for (const asset of assets)
    if (dirname(asset) !== dirname(spec.entry))
      throw new Error(`asset ${asset} of ${spec.entry} must sit beside it, in ${dirname(spec.entry)}/`);
  return assets;
}

/**
 * The `afterBundling` commands copying a function's assets from the bundling input directory (the
 * project root) into the asset directory, beside `index.mjs`.
 */
export function assetCopyCommands(assets: readonly string[], inputDir: string, outputDir: string): string[] {
  return assets.map(
    (asset) => `cp ${shellQuote(join(inputDir, asset))} ${shellQuote(join(outputDir, basename(asset)))}`,
  );
}

export interface StorelineFunctionProps {
  /** The function's name in the topology (`catalog`, `publisher` …). */
  readonly name: string;
  readonly spec: FunctionSpec;
  readonly table: ITable;
  readonly bus: IEventBus;
  /** The topology the function belongs to, for its environment. Default: Storeline's. */
  readonly topology?: Topology;
  /** Days the function's logs are kept. Default: one month. */
  readonly logRetention?: RetentionDays;
  /** `MAIL_FROM` and `OPS_TOPIC_ARN` for a function whose `sends` names them (constructs/messaging.ts). */
  readonly messaging?: { readonly mailFrom: string; readonly opsTopicArn: string };
}

/**
 * A Storeline Lambda function. Defaults, all deliberate:
 *
 * - **Runtime** `nodejs24.x` on **arm64** (Graviton: cheaper per GB-second, same code).
 * - **Bundling** with the local esbuild, never Docker (`forceDockerBundling: false`), so `cdk synth`
 *   works offline: ESM output (`index.mjs`) with a `createRequire` banner for inlined CommonJS,
 *   `module` before `main` so dependencies' ESM builds are picked, minified, `target: node24`,
 *   source maps (without sources, to keep the bundle small) enabled at run time by
 *   `NODE_OPTIONS=--enable-source-maps` from `functionEnvironment`. Everything is bundled except
 *   `@aws-sdk/*`, which the runtime provides. The topology's `assets` (e.g. the OpenAPI document)
 *   are copied beside `index.mjs` after bundling.
 * - **Tracing** active (X-Ray), so a request can be followed from API Gateway through the outbox.
 * - **Logs** in an explicit log group (JSON format, one month by default) that is deleted with the
 *   stack; the execution role may write to that group only, instead of the broad
 *   `AWSLambdaBasicExecutionRole` managed policy.
 * - **Memory, timeout, description** from the topology; **environment** from `functionEnvironment`.
 * - **Least privilege** from the topology: the table's `TABLE_ACTIONS[spec.table]` on the table's
 *   ARN (`none` → nothing), `dynamodb:Query` on the ARN of each index in `spec.indexes` only (no
 *   `index/*`), `publishesToBus` → `grantPutEventsTo` on this bus only. CDK's `grantReadData` is
 *   not used: it adds `Scan`, `DescribeTable`, `BatchWriteItem` and stream reads on `index/*`, none
 *   of which the code calls (tests/infra/least-privilege.test.ts).
 * - **Secrets** from the topology: each a Secrets Manager secret of this function's own (generated
 *   first value, retained with the stack's deletion), readable by this function only, its ARN in
 *   the environment.
 */
export class StorelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
  /** The function's secrets by their topology name. */
  readonly secrets: ReadonlyMap<string, Secret>;

  constructor(scope: Construct, id: string, props: StorelineFunctionProps) {
    super(scope, id);
    const { name, spec, table, bus } = props;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Storeline ${name} function`,
    });
    // CreateLogStream/PutLogEvents on this function's own log group, nothing else.
    this.logGroup.grantWrite(this.role);

    const secrets = new Map<string, Secret>();
    for (const secret of spec.secrets ?? []) {
      const created = new Secret(this, pascalCase(secret.name), {
        description: secret.description,
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: secret.generateKey,
          passwordLength: 64,
          excludePunctuation: true,
        },
        // Losing it would cut the sender off until a new secret is shared with it.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'A shared HMAC secret cannot be rotated by Secrets Manager alone: the sender must be given the new ' +
          'value. Several values are active at once, and docs/operations.md describes the rotation without downtime.',
      });
      secrets.set(secret.name, created);
    }
    this.secrets = secrets;

    const assets = assetsOf(spec);
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: spec.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: functionEnvironment(
        name,
        spec,
        {
          tableName: table.tableName,
          busName: bus.eventBusName,
          secretArns: Object.fromEntries([...secrets].map(([name, secret]) => [name, secret.secretArn])),
          ...(props.messaging ? { messaging: props.messaging } : {}),
        },
        props.topology ?? topology,
      ),
      // One definition of the bundle (infra/bundling.ts): the bench and the budget test build the same.
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: [...BUNDLING.mainFields],
        banner: BUNDLING.banner,
        target: BUNDLING.target,
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: BUNDLING.sourcesContent,
        externalModules: [...BUNDLING.externalModules],
        esbuildArgs: { '--alias': Object.entries(BUNDLING.alias).map(([from, to]) => `${from}=${to}`) },
        logLevel: LogLevel.WARNING,
        // Files the handler reads beside its bundle (the topology's `assets`); local bundling runs
        // these on the host, from the project root.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => assetCopyCommands(assets, inputDir, outputDir),
        },
      },
    });

    const tableActions = TABLE_ACTIONS[spec.table];
    if (tableActions.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: [...tableActions], resources: [table.tableArn] }),
      );
    }
    const known = new Set((props.topology ?? topology).table.indexes.map((index) => index.name));
    const indexes = spec.indexes ?? [];
    for (const index of indexes)
      if (!known.has(index) || spec.table === 'none')
        throw new Error(`function ${name} declares index ${index}, which its table access does not allow`);
    if (indexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [...INDEX_ACTIONS],
          resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
    if (spec.publishesToBus) bus.grantPutEventsTo(this.function);
    for (const secret of secrets.values()) secret.grantRead(this.function);

    this.acknowledgeWildcards(spec);
  }

  /** The wildcards left in this role are ones IAM cannot narrow; each is acknowledged with why. */
  private acknowledgeWildcards(spec: FunctionSpec): void {
    const star = ['xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing)'];
    if (spec.stream) star.push('dynamodb:ListStreams (stream event source mapping)');
    if (spec.sends?.sms)
      star.push(
        'sns:Publish to phone numbers (an SMS has no resource ARN; publishing to topics is denied unless the ' +
          'function also notifies the ops topic, whose allow a topic-wide deny would cancel)',
      );
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${star.join(' and ')} support no resource-level permissions, so IAM only accepts Resource "*".`,
    });
  }
}
