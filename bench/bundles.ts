/**
 * Builds every function in the topology exactly as the CDK construct does (`esbuildOptions`), plus
 * a hello-world baseline, into a folder, with the function's `assets` beside its `index.mjs` as in
 * the deployed asset; reports minified sizes. Used by `npm run bench` and by the bundle-budget test.
 */
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
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
