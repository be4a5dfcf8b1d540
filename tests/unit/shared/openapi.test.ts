import { describe, expect, it } from 'vitest';
import { apiMeta, routeContracts } from '#functions/routes.ts';
import { allRoutes } from '#infra/topology.ts';
import { routeKey } from '#shared/http/contract.ts';
import { buildOpenApi } from '#shared/http/openapi.ts';

const routes = allRoutes().map((r) => r.route);
const doc = buildOpenApi(routes, apiMeta) as {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>
  >;
  components: { schemas: Record<string, unknown> };
};

describe('Function: buildOpenApi', () => {
  it('is an OpenAPI 3.1 document with every topology route as an operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map(routeKey).sort());
  });

  it('requires a bearer token exactly on authenticated and staff routes', () => {
    for (const route of routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      const secured = route.access === 'authenticated' || route.access === 'staff';
      expect(op?.security, routeKey(route)).toEqual(secured ? [{ bearer: [] }] : []);
      if (secured) expect(Object.keys(op?.responses ?? {}), routeKey(route)).toContain('401');
    }
  });

  it('resolves every $ref to a component schema', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty(ref as string);
  });

  it('documents request bodies from the route schemas, unknown fields closed', () => {
    const put = doc.paths['/products/{sku}']?.put;
    expect(put?.requestBody).toMatchObject({ required: true });
    expect(doc.components.schemas.ProductInput).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['name', 'price', 'currency']),
    });
  });
});

describe('Module: functions/routes', () => {
  it("holds exactly the topology's routes, so the served document matches the deployed API", () => {
    expect(routeContracts.map(routeKey).sort()).toEqual(routes.map(routeKey).sort());
  });
});
