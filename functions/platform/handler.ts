/**
 * Health and the OpenAPI document. The document is a build artifact, not built here:
 * `node scripts/gen-api-docs.ts` writes `openapi.json` beside this file from the route contracts
 * (a unit test fails when it is stale), and the CDK construct ships it beside the bundle's
 * `index.mjs` (the topology's `assets`). Importing the contracts instead would put every context's
 * schemas into this bundle.
 */
import { readFileSync } from 'node:fs';
import { httpApi, json } from '#shared/http/handler.ts';
import { platformRoutes } from './contract.ts';

let document: unknown;

/**
 * Read and parsed on the first request for it, then kept for the container's life: health checks
 * never pay for it. Locally the file is the committed one beside this handler; in AWS the copy
 * beside `index.mjs`.
 */
function openApiDocument(): unknown {
  document ??= JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));
  return document;
}

export const handler = httpApi(platformRoutes, {
  health: async () => json({ status: 'ok' }),
  openapi: async () => json(openApiDocument()),
});
