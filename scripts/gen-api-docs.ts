/**
 * Writes docs/api.md from the route contracts and the error catalogue:
 *
 *   node scripts/gen-api-docs.ts           rewrite the file
 *   node scripts/gen-api-docs.ts --check   exit 1 if it is stale
 */
import { apiMeta, routeContracts } from '#functions/routes.ts';
import { API_DOCS_PATH, renderApiDocs } from './api-docs.ts';
import { writeOrCheck } from './generated-doc.ts';

writeOrCheck(API_DOCS_PATH, renderApiDocs(routeContracts, apiMeta), 'scripts/gen-api-docs.ts');
