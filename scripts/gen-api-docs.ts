/**
 * Writes docs/api.md from the route contracts and the error catalogue:
 *
 *   node scripts/gen-api-docs.ts           rewrite the file
 *   node scripts/gen-api-docs.ts --check   exit 1 if it is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_DOCS_PATH, renderApiDocs } from '#functions/platform/api-docs.ts';
import { apiMeta, routeContracts } from '#functions/routes.ts';

const path = fileURLToPath(new URL(`../${API_DOCS_PATH}`, import.meta.url));
const rendered = renderApiDocs(routeContracts, apiMeta);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== rendered) {
    console.error(`${API_DOCS_PATH} is stale: run node scripts/gen-api-docs.ts`);
    process.exit(1);
  }
  console.log(`${API_DOCS_PATH} is up to date`);
} else {
  writeFileSync(path, rendered);
  console.log(`wrote ${API_DOCS_PATH}`);
}
