/**
 * How every function is bundled, in one place: the CDK construct passes these to NodejsFunction,
 * and the bundle-budget test and `npm run bench` build with `esbuildOptions`, which is the same
 * esbuild invocation NodejsFunction makes. A bundle measured here is the bundle deployed.
 */
import type { BuildOptions } from 'esbuild';

/**
 * Lets bundled ESM call `require` for the CommonJS dependencies esbuild inlines (some of the AWS
 * SDK's and Powertools' transitive dependencies still `require` Node built-ins).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Provided by the Lambda Node.js runtime, so never bundled. */
export const EXTERNAL_MODULES = ['@aws-sdk/*'] as const;

/**
 * Module substitutions, relative to the project root (where CDK and the bench run esbuild):
 * `zod` becomes a re-export of zod whose `z` value leaves out locales and JSON Schema conversion
 * (see `infra/bundling-shims/zod.ts`).
 */
export const ALIASES = { zod: './infra/bundling-shims/zod.ts' } as const;

export const BUNDLING = {
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: EXTERNAL_MODULES,
  banner: ESM_REQUIRE_BANNER,
  alias: ALIASES,
} as const;

/** Per-function budget for the minified bundle (bytes), enforced by `tests/infra/bundling.test.ts`. The issue started it at 250 KB; tightened to 200 KB once zod was tree-shaken and the X-Ray SDK dropped (bundles measured ~140–166 KB). */
export const BUNDLE_BUDGET_BYTES = 200 * 1024;

/** The esbuild options NodejsFunction derives from `BUNDLING` (see aws-lambda-nodejs/lib/bundling.ts). */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    mainFields: [...BUNDLING.mainFields],
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    external: [...BUNDLING.externalModules],
    banner: { js: BUNDLING.banner },
    alias: { ...BUNDLING.alias },
    logLevel: 'warning',
    metafile: true,
  };
}
