/**
 * Infra tier: one real bundle, to prove the function construct's esbuild settings produce an ES module
 * that Node 24 loads and runs — the other infra tests skip bundling for speed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { BUNDLE_BUDGET_BYTES, esbuildOptions } from '#infra/bundling.ts';
import * as lambdaZ from '#infra/bundling-shims/zod-schemas.ts';
import { assetCopyCommands, assetsOf, REPO_ROOT } from '#infra/constructs/function.ts';
import { type Topology, topology } from '#infra/topology.ts';
import { buildBundles } from '../../bench/bundles.ts';
import { eventLike, sqsRecord, sqsRecordFor } from '../support/backbone.ts';

/** Storeline's topology reduced to the platform function: one asset to bundle. */
const onlyPlatform: Topology = { ...topology, functions: { platform: topology.functions.platform } };

describe('StorelineFunction bundling', () => {
  // Under the repo so the bundle resolves `@aws-sdk/*` from node_modules, as Lambda resolves it from the runtime.
  const cacheDir = join(REPO_ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const outdir = mkdtempSync(join(cacheDir, 'storeline-bundle-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  // Real bundling with the local esbuild: no bundling-stacks context, no Docker.
  const { app } = buildApp({ outdir, topology: onlyPlatform, nag: false });
  const assembly = app.synth();
  const assetDirs = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));

  it('produces one asset with a minified ES module and its source map', () => {
    // Prepare
    expect(assetDirs).toHaveLength(1);
    const dir = join(assembly.directory, assetDirs[0]!);

    // Act
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');

    // Assess
    expect(
      code.startsWith(
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(code).toMatch(/\bexport\s*\{/);
    // Minified: a few long lines, not one statement per line.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
  });

  it('leaves only the AWS SDK external', () => {
    // Prepare
    const code = readFileSync(join(assembly.directory, assetDirs[0]!, 'index.mjs'), 'utf8');

    // Act
    const bareImports = [...code.matchAll(/(?:from|import)\s*\(?\s*["']([^"'./][^"']*)["']/g)].map(
      (m) => m[1]!,
    );

    // Assess
    expect(bareImports.filter((specifier) => !/^(node:|module$|@aws-sdk\/)/.test(specifier))).toEqual([]);
  });

  it('loads in Node 24 as ESM and answers GET /health', () => {
    // Prepare
    const url = pathToFileURL(join(assembly.directory, assetDirs[0]!, 'index.mjs')).href;
    const script = `
      const { handler } = await import(${JSON.stringify(url)});
      const event = {
        version: '2.0', routeKey: 'GET /health', rawPath: '/health', rawQueryString: '', headers: {},
        isBase64Encoded: false,
        requestContext: { requestId: 'bundle-test', http: { method: 'GET', path: '/health' } },
      };
      const context = {
        functionName: 'platform', functionVersion: '$LATEST', awsRequestId: 'bundle-test',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:platform',
        memoryLimitInMB: '256', getRemainingTimeInMillis: () => 5000,
      };
      const response = await handler(event, context);
      process.stdout.write(JSON.stringify({ status: response.statusCode, body: JSON.parse(response.body) }));
    `;

    // Act
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '--enable-source-maps', '-e', script],
      {
        encoding: 'utf8',
        env: { ...process.env, POWERTOOLS_DEV: 'false' },
      },
    );

    // Assess
    expect(JSON.parse(output)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('ships openapi.json beside index.mjs, and the bundle serves it on GET /openapi.json', () => {
    // Prepare
    const dir = join(assembly.directory, assetDirs[0]!);
    const committed = readFileSync(join(REPO_ROOT, 'functions', 'platform', 'openapi.json'), 'utf8');
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)});
      const event = {
        version: '2.0', routeKey: 'GET /openapi.json', rawPath: '/openapi.json', rawQueryString: '',
        headers: {}, isBase64Encoded: false,
        requestContext: { requestId: 'bundle-test', http: { method: 'GET', path: '/openapi.json' } },
      };
      const context = {
        functionName: 'platform', functionVersion: '$LATEST', awsRequestId: 'bundle-test',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:platform',
        memoryLimitInMB: '256', getRemainingTimeInMillis: () => 5000,
      };
      const response = await handler(event, context);
      process.stdout.write(JSON.stringify({ status: response.statusCode, body: JSON.parse(response.body) }));
    `;

    // Act
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, POWERTOOLS_DEV: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      maxBuffer: 16 * 1024 * 1024,
    });

    // Assess: the file is the committed one, and the contracts themselves stayed out of the bundle.
    expect(readFileSync(join(dir, 'openapi.json'), 'utf8')).toBe(committed);
    expect(JSON.parse(output)).toEqual({ status: 200, body: JSON.parse(committed) });
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('PlaceOrderInput');
  });

  it('is byte for byte what `esbuildOptions` builds, so the bench and budget measure the deployed bundle', async () => {
    // Prepare
    const file = join(outdir, 'direct', 'index.mjs');

    // Act
    await build({
      ...esbuildOptions(join(REPO_ROOT, topology.functions.platform.entry), file),
      absWorkingDir: REPO_ROOT,
    });

    // Assess
    const deployed = readFileSync(join(assembly.directory, assetDirs[0]!, 'index.mjs'), 'utf8');
    const direct = readFileSync(file, 'utf8');
    // Only the source-map comment may differ (file names), never the code.
    const code = (text: string) => text.replace(/\/\/# sourceMappingURL=.*$/m, '');
    expect(code(direct)).toBe(code(deployed));
  });
});

describe('Function assets', () => {
  it('copies each asset from the project root to beside index.mjs, paths quoted for the shell', () => {
    expect(assetCopyCommands(["fns/o'k/doc.json"], '/repo root', '/out')).toEqual([
      "cp '/repo root/fns/o'\\''k/doc.json' '/out/doc.json'",
    ]);
  });

  it('refuses an asset outside its entry’s folder, which the local runtime would not find', () => {
    expect(
      assetsOf({ entry: 'functions/platform/handler.ts', assets: ['functions/platform/openapi.json'] }),
    ).toEqual(['functions/platform/openapi.json']);
    expect(() => assetsOf({ entry: 'functions/platform/handler.ts', assets: ['docs/openapi.json'] })).toThrow(
      /must sit beside it/,
    );
  });
});

describe('Bundle budget', () => {
  it(`keeps every function's minified bundle within ${BUNDLE_BUDGET_BYTES / 1024} KB`, async () => {
    // Prepare
    const outDir = mkdtempSync(join(REPO_ROOT, 'node_modules', '.cache', 'storeline-budget-'));
    try {
      // Act
      const bundles = await buildBundles(outDir);

      // Assess
      expect(bundles.map((b) => b.name).sort()).toEqual(
        ['hello-world', ...Object.keys(topology.functions)].sort(),
      );
      for (const bundle of bundles)
        expect(bundle.bytes, bundle.name).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

describe('Bundling zod alias', () => {
  /** Every `z.<member>` (and `z.<ns>.<member>`) Powertools' published ES modules use. */
  function membersPowertoolsUses(): string[] {
    const root = join(REPO_ROOT, 'node_modules', '@aws-lambda-powertools');
    const used = new Set<string>();
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.includes(`lib${'/'}esm`) && file.endsWith('.js'),
    );
    for (const file of files) {
      const code = readFileSync(join(root, file), 'utf8')
        // comments hold examples (`z.infer<…>`), not code
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const match of code.matchAll(/\bz\.([A-Za-z0-9_$]+(?:\.[A-Za-z0-9_$]+)?)/g)) used.add(match[1]!);
    }
    return [...used].sort();
  }

  it('gives Powertools every member it uses on the `z` it imports', () => {
    const used = membersPowertoolsUses();
    expect(used).toContain('object');
    const missing = used.filter((path) => {
      const [head, tail] = path.split('.') as [string, string | undefined];
      const value = (lambdaZ as Record<string, unknown>)[head];
      return (
        value === undefined || (tail !== undefined && (value as Record<string, unknown>)[tail] === undefined)
      );
    });
    expect(missing).toEqual([]);
  });
});

describe('Consumer bundle', () => {
  it('parses SQS and EventBridge envelopes with the Powertools schemas under the bundling zod alias', async () => {
    // Prepare: the fulfilment consumer as deployed; one event it has no handler for (acknowledged
    // without touching the table) and one message that is not an event.
    const outDir = mkdtempSync(join(REPO_ROOT, 'node_modules', '.cache', 'storeline-consumer-'));
    try {
      const file = join(outDir, 'index.mjs');
      await build({
        ...esbuildOptions(join(REPO_ROOT, topology.functions.fulfilment.entry), file),
        absWorkingDir: REPO_ROOT,
      });
      const ignored = sqsRecordFor(eventLike('OrderCancelled'));
      const malformed = sqsRecord('{"version":"0"}');
      const script = `
        const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
        const context = {
          functionName: 'fulfilment', functionVersion: '$LATEST', awsRequestId: 'bundle-test',
          invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fulfilment',
          memoryLimitInMB: '256', getRemainingTimeInMillis: () => 5000,
        };
        const response = await handler({ Records: ${JSON.stringify([ignored, malformed])} }, context);
        process.stdout.write(JSON.stringify(response));
      `;

      // Act
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: {
          ...process.env,
          TABLE_NAME: 'bundle-test',
          EVENT_SOURCE: 'storeline.fulfilment',
          AWS_REGION: 'eu-west-1',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
      });

      // Assess
      expect(JSON.parse(output)).toEqual({ batchItemFailures: [{ itemIdentifier: malformed.messageId }] });
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
