/**
 * The two ways every doc generator runs: `node scripts/gen-<x>.ts` rewrites its file,
 * `node scripts/gen-<x>.ts --check` exits 1 when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function writeOrCheck(repoPath: string, rendered: string, generator: string): void {
  const path = fileURLToPath(new URL(`../${repoPath}`, import.meta.url));
  if (!process.argv.includes('--check')) {
    writeFileSync(path, rendered);
    console.log(`wrote ${repoPath}`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== rendered) {
    console.error(`${repoPath} is stale: run node ${generator}`);
    process.exit(1);
  }
  console.log(`${repoPath} is up to date`);
}
