import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiMeta, routeContracts } from '#functions/routes.ts';
import { topology } from '#infra/topology.ts';
import { API_DOCS_PATH, OPENAPI_PATH, renderApiDocs, renderOpenApiDocument } from '#scripts/api-docs.ts';
import { routeKey } from '#shared/http/contract.ts';
import { buildOpenApi } from '#shared/http/openapi.ts';

const committed = (repoPath: string): string =>
  readFileSync(fileURLToPath(new URL(`../../../${repoPath}`, import.meta.url)), 'utf8');

describe('docs/api.md', () => {
  it('is what the route contracts say (else: node scripts/gen-api-docs.ts)', () => {
    expect(committed(API_DOCS_PATH)).toBe(renderApiDocs(routeContracts, apiMeta));
  });

  it('has a section for every route and every error code', () => {
    const rendered = renderApiDocs(routeContracts, apiMeta);
    for (const route of routeContracts) expect(rendered).toContain(`### \`${routeKey(route)}\``);
    expect(rendered).toContain('`IDEMPOTENCY_KEY_REUSED` | 422');
    expect(rendered).toContain('`orderId` (optional)');
  });
});

describe('functions/platform/openapi.json (what GET /openapi.json serves)', () => {
  it('is what the route contracts say (else: node scripts/gen-api-docs.ts)', () => {
    expect(committed(OPENAPI_PATH)).toBe(renderOpenApiDocument(routeContracts, apiMeta));
  });

  it('is shipped beside the platform bundle, where the handler reads it', () => {
    expect(topology.functions.platform?.assets).toContain(OPENAPI_PATH);
  });
});

describe('Route contracts, as documented', () => {
  it.each(routeContracts.map((r) => [routeKey(r), r] as const))('%s has a description', (_key, route) => {
    expect(route.description?.length ?? 0).toBeGreaterThan(20);
  });

  it.each(routeContracts.filter((r) => r.example !== undefined).map((r) => [routeKey(r), r] as const))(
    '%s: the example body is one the route accepts',
    (_key, route) => {
      const parsed = route.body?.safeParse(route.example);
      expect(parsed?.error?.issues ?? []).toEqual([]);
    },
  );

  it('shows no default in any request schema, so generated clients may leave defaulted fields out', () => {
    const doc = buildOpenApi(routeContracts, apiMeta) as {
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    for (const operation of Object.values(doc.paths).flatMap((p) => Object.values(p))) {
      expect(JSON.stringify([operation.requestBody, operation.parameters])).not.toContain('"default"');
    }
    expect(doc.components.schemas.PlaceOrderInput?.required).not.toContain('channel');
    expect(JSON.stringify(doc.components.schemas.PlaceOrderInput?.properties?.channel)).toContain(
      'Defaults to `\\"web\\"`',
    );
  });
});
