/**
 * Which of the table's indexes a function's code can query: every module its entry reaches through
 * static imports (`#shared/…`, `#events/…`, `#functions/…`, relative), searched for an index
 * chosen in a query (`index: 'gsi1'`, `IndexName: 'gsi2'`, either branch of a ternary). A module
 * reached is counted whether or not the function calls the querying code: the grant covers what
 * the bundle could do, which is what IAM must allow.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ALIASES: Record<string, string> = {
  '#shared/': 'shared/',
  '#events/': 'events/',
  '#functions/': 'functions/',
  '#infra/': 'infra/',
};

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
/** An index named where a query is built: `index: 'gsi1'`, `IndexName: 'gsi2'`, `index: a ? 'gsi1' : 'gsi2'`. */
const INDEX_CHOICE = /\b(?:index|IndexName)\s*:\s*([^,\n}]*)/g;
const INDEX_NAME = /'(gsi\d+)'/g;

function resolveImport(fromFile: string, specifier: string, root: string): string | undefined {
  const alias = Object.keys(ALIASES).find((prefix) => specifier.startsWith(prefix));
  const path = alias
    ? join(root, ALIASES[alias]!, specifier.slice(alias.length))
    : specifier.startsWith('.')
      ? resolve(dirname(fromFile), specifier)
      : undefined;
  return path?.endsWith('.ts') && existsSync(path) ? path : undefined;
}

/** Repo-relative paths of every module an entry reaches (itself included). */
export function reachableModules(entry: string, root: string): string[] {
  const seen = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const next = resolveImport(file, (match[1] ?? match[2])!, root);
      if (next && !seen.has(next)) pending.push(next);
    }
  }
  return [...seen].map((file) => relative(root, file)).sort();
}

/** The index names a module chooses in its queries. */
export function indexesQueriedIn(source: string): string[] {
  const found = new Set<string>();
  for (const choice of source.matchAll(INDEX_CHOICE))
    for (const name of choice[1]!.matchAll(INDEX_NAME)) found.add(name[1]!);
  return [...found].sort();
}

/** The indexes an entry's code can query, sorted. */
export function indexesQueriedBy(entry: string, root: string): string[] {
  const found = new Set<string>();
  for (const module of reachableModules(entry, root))
    for (const name of indexesQueriedIn(readFileSync(join(root, module), 'utf8'))) found.add(name);
  return [...found].sort();
}
