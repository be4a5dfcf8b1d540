import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { outOfStock } from '#functions/orders/rules.ts';
import { apiMeta, routeContracts } from '#functions/routes.ts';
import { allRoutes } from '#infra/topology.ts';
import { AppError, type ErrorCode } from '#shared/errors.ts';
import { routeKey } from '#shared/http/contract.ts';
import { buildOpenApi, problemSchemaName } from '#shared/http/openapi.ts';
import { problem, problemFromError, validationError } from '#shared/http/problem.ts';

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

describe('Problem schemas, against the problems the code builds', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  const check = (code: ErrorCode, body: unknown) => {
    const validate = ajv.getSchema(`openapi.json#/components/schemas/${problemSchemaName(code)}`);
    expect(validate, code).toBeTypeOf('function');
    expect(validate?.(body) ? [] : validate?.errors, code).toEqual([]);
  };

  it('documents the members each error carries, so a closed schema accepts them', () => {
    const zodError = z.strictObject({ limit: z.int() }).safeParse({ limit: 'x', extra: 1 }).error;
    if (!zodError) throw new Error('expected a validation error');
    const cases: AppError[] = [
      validationError(zodError, 'query'),
      outOfStock(['SKU-1', 'SKU-2']),
      new AppError('IDEMPOTENCY_KEY_REUSED', 'reused', { orderId: '01J0000000000000000000000A' }),
      new AppError('IDEMPOTENCY_KEY_REUSED', 'reused'),
      new AppError('COUPON_NOT_APPLICABLE', 'no such coupon', { couponCode: 'SPRING' }),
      new AppError('VALIDATION_FAILED', 'Not for sale', {
        skus: ['SKU-1'],
        errors: [{ path: 'body.lines.0.sku', message: 'Unknown product' }],
      }),
    ];
    for (const error of cases) check(error.code, problemFromError(error, '/orders').body);
  });

  it('refuses a member the code does not document', () => {
    const validate = ajv.getSchema(`openapi.json#/components/schemas/${problemSchemaName('NOT_FOUND')}`);
    expect(validate?.(problem('NOT_FOUND', 'gone', { skus: ['x'] }).body)).toBe(false);
  });
});
