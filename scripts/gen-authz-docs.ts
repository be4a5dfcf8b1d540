/**
 * Rewrites the authorisation matrix block of docs/security.md from `functions/authorization.ts`:
 *
 *   node scripts/gen-authz-docs.ts           rewrite the block
 *   node scripts/gen-authz-docs.ts --check   exit 1 if it is stale
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { routeContracts } from '#functions/routes.ts';
import { SECURITY_DOCS_PATH, withAuthorizationMatrix } from './authz-docs.ts';
import { writeOrCheck } from './generated-doc.ts';

const current = readFileSync(fileURLToPath(new URL(`../${SECURITY_DOCS_PATH}`, import.meta.url)), 'utf8');
writeOrCheck(
  SECURITY_DOCS_PATH,
  withAuthorizationMatrix(current, routeContracts),
  'scripts/gen-authz-docs.ts',
);
