/**
 * Builds every function in the topology exactly as the CDK construct does (`esbuildOptions`), plus
 * a hello-world baseline, into a folder, with the function's `assets` beside its `index.mjs` as in
 * the deployed asset; reports minified sizes. Used by `npm run bench` and by the bundle-budget test.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '#infra/bundling.ts';
import { functionEntries } from '#infra/topology.ts';

export interface BuiltBundle {
  readonly name: string;
  readonly file: string;
  /** Bytes of the minified `index.mjs`, source map excluded. */
  readonly bytes: number;
}

export const HELLO_WORLD = 'hello-world';

const ROOT = resolve(import.meta.dirname, '..');

/** Bundles every topology function (and the hello-world baseline) into `outDir/<name>/index.mjs`. */
export async function buildBundles(outDir: string): Promise<BuiltBundle[]> {
  mkdirSync(outDir, { recursive: true });
  const helloEntry = join(outDir, 'hello-world.mjs');
  writeFileSync(helloEntry, "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n");
  const entries: [string, string, readonly string[]][] = [
    [HELLO_WORLD, helloEntry, []],
    ...functionEntries().map(([name, fn]): [string, string, readonly string[]] => [
      name,
      join(ROOT, fn.entry),
      fn.assets ?? [],
    ]),
  ];
  return Promise.all(
    entries.map(async ([name, entry, assets]) => {
      const file = join(outDir, name, 'index.mjs');
      await build({ ...esbuildOptions(entry, file), absWorkingDir: ROOT });
      for (const asset of assets) copyFileSync(join(ROOT, asset), join(outDir, name, basename(asset)));
      return { name, file, bytes: statSync(file).size };
    }),
  );
}

/** The client each SDK package provides, for the SDK-only baselines. */
const SDK_CLIENTS: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-eventbridge': 'EventBridgeClient',
  '@aws-sdk/client-scheduler': 'SchedulerClient',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
  '@aws-sdk/client-sesv2': 'SESv2Client',
  '@aws-sdk/client-sns': 'SNSClient',
  '@aws-sdk/client-sqs': 'SQSClient',
};

export interface BaselineBundle extends BuiltBundle {
  /** The SDK packages the function's bundle imports, which the baseline imports too. */
  readonly packages: readonly string[];
}

/**
 * Per function, an SDK-only baseline built the same way: it imports the SDK packages the
 * function's bundle imports, creates one client of each at module scope (the document client over
 * DynamoDB's when the function uses it) and makes the first call the function makes (a DynamoDB
 * read of one item, or for a function without DynamoDB its first client's PutEvents/…). Functions
 * with the same packages share one baseline. Returns function name → baseline bundle.
 */
export async function buildBaselineBundles(
  outDir: string,
  functions: readonly BuiltBundle[],
): Promise<Map<string, BaselineBundle>> {
  const bySignature = new Map<string, Promise<BaselineBundle>>();
  const out = new Map<string, BaselineBundle>();
  for (const fn of functions) {
    const text = readFileSync(fn.file, 'utf8');
    const packages = [
      ...new Set([...text.matchAll(/["'](@aws-sdk\/[a-z0-9-]+)["']/g)].map((m) => m[1] as string)),
    ]
      .filter((p) => p in SDK_CLIENTS || p === '@aws-sdk/lib-dynamodb')
      .sort();
    const signature = packages.join('+') || 'none';
    let built = bySignature.get(signature);
    if (!built) {
      const name = `baseline-${bySignature.size}`;
      const lines: string[] = [];
      const clients: string[] = [];
      for (const p of packages) {
        const client = SDK_CLIENTS[p];
        if (!client) continue;
        lines.push(`import { ${client} } from '${p}';`);
        clients.push(`const c${clients.length} = new ${client}({ maxAttempts: 3 });`);
      }
      const dynamo = packages.includes('@aws-sdk/client-dynamodb');
      const docClient = dynamo && packages.includes('@aws-sdk/lib-dynamodb');
      let call = 'undefined';
      if (docClient) {
        lines.push("import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';");
        const index = packages.filter((p) => p in SDK_CLIENTS).indexOf('@aws-sdk/client-dynamodb');
        clients.push(`const doc = DynamoDBDocumentClient.from(c${index});`);
        call =
          "doc.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: 'BASELINE', sk: 'BASELINE' } }))";
      } else if (packages.includes('@aws-sdk/client-eventbridge')) {
        lines.push("import { PutEventsCommand } from '@aws-sdk/client-eventbridge';");
        call =
          "c0.send(new PutEventsCommand({ Entries: [{ Source: 'storeline.bench', DetailType: 'Baseline', Detail: '{}', EventBusName: process.env.EVENT_BUS_NAME }] }))";
      }
      lines.push(...clients, `export const handler = async () => { await ${call}; return { ok: true }; };`);
      const entry = join(outDir, `${name}.mjs`);
      writeFileSync(entry, `${lines.join('\n')}\n`);
      const file = join(outDir, name, 'index.mjs');
      built = build({ ...esbuildOptions(entry, file), absWorkingDir: ROOT }).then(() => ({
        name,
        file,
        bytes: statSync(file).size,
        packages,
      }));
      bySignature.set(signature, built);
    }
    out.set(fn.name, await built);
  }
  return out;
}
