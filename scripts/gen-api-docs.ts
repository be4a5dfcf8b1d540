/**
 * Writes docs/api.md and the OpenAPI document the platform function serves
 * (functions/platform/openapi.json) from the route contracts and the error catalogue:
 *
 *   node scripts/gen-api-docs.ts           rewrite both files
 *   node scripts/gen-api-docs.ts --check   exit 1 if either is stale
 */
import { apiMeta, routeContracts } from '#functions/routes.ts';
import { API_DOCS_PATH, OPENAPI_PATH, renderApiDocs, renderOpenApiDocument } from './api-docs.ts';
import { writeOrCheck } from './generated-doc.ts';

writeOrCheck(API_DOCS_PATH, renderApiDocs(routeContracts, apiMeta), 'scripts/gen-api-docs.ts');
writeOrCheck(OPENAPI_PATH, renderOpenApiDocument(routeContracts, apiMeta), 'scripts/gen-api-docs.ts');
