/**
 * The API document as a client generator sees it: types generated from the live `GET /openapi.json`
 * with openapi-typescript's default flags, the README flow (examples/client/readme-flow.ts) type-
 * checked against them with the project's tsc and run through openapi-fetch, and every response,
 * success or error, validated against the document's schema for its status and content type
 * (Ajv, JSON Schema 2020-12, the document's dialect).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import openapiTS, { astToString } from 'storeline-ts5-tools';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';

const baseUrl = inject('baseUrl');
const api = apiClient(baseUrl);
const root = fileURLToPath(new URL('../../', import.meta.url));
const flowFile = join(root, 'examples/client/readme-flow.ts');
/** Git-ignored, and outside every source tree the project compiles. */
const workDir = join(root, 'node_modules/.cache/storeline-generated-client');

type JsonObject = Record<string, unknown>;

/** What examples/client/readme-flow.ts takes and returns (its own types need the generated ones). */
interface FlowOptions {
  baseUrl: string;
  staffToken: string;
  customerToken: string;
  sku: string;
  idempotencyKey: string;
}
interface FlowResult {
  exchanges: { method: string; path: string; status: number; contentType: string; body: unknown }[];
  placed: { id: string; channel: string };
  retried: { id: string };
  listed: string[];
  cancelled: { status: string };
  outOfStockSkus: string[];
  reusedKeyOrderId: string | undefined;
  invalidStateCode: string;
  validationPaths: string[];
}
let document: JsonObject;

beforeAll(async () => {
  const res = await api.request<JsonObject>('GET', '/openapi.json');
  expect(res.status).toBe(200);
  document = res.body;
  mkdirSync(workDir, { recursive: true });
  // openapi-typescript is given the document itself, exactly as served.
  const ast = await openapiTS(structuredClone(document) as Parameters<typeof openapiTS>[0]);
  writeFileSync(join(workDir, 'storeline-api.d.ts'), astToString(ast));
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2024',
        lib: ['es2024', 'dom'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        allowImportingTsExtensions: true,
        skipLibCheck: false,
        noEmit: true,
        types: [],
        paths: { 'storeline-api': ['./storeline-api.d.ts'] },
      },
      files: [flowFile],
    }),
  );
});

/** `application/json` → `application~1json`, for a JSON pointer. */
const pointer = (...segments: string[]) =>
  segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

describe('A client generated from GET /openapi.json (openapi-typescript, openapi-fetch)', () => {
  it('type-checks the README flow against the generated types', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const checked = await promisify(execFile)(process.execPath, [
      tsc,
      '-p',
      join(workDir, 'tsconfig.json'),
    ]).then(
      () => '',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(checked).toBe('');
  });

  it('runs the README flow, and every response matches the document’s schema for it', async () => {
    // By path, not by a literal specifier: the project's tsc must not follow it before the types exist.
    const { readmeFlow } = (await import(flowFile)) as {
      readmeFlow: (options: FlowOptions) => Promise<FlowResult>;
    };
    const result = await readmeFlow({
      baseUrl,
      staffToken: await api.token('staff-generated-client', ['staff']),
      customerToken: await api.token(uniqueId('customer').toLowerCase()),
      sku: uniqueId('GEN'),
      idempotencyKey: crypto.randomUUID(),
    });

    // The flow's own outcomes, read through the generated types.
    expect(result.retried.id).toBe(result.placed.id);
    expect(result.placed.channel).toBe('web');
    expect(result.listed).toContain(result.placed.id);
    expect(result.cancelled.status).toBe('CANCELLED');
    expect(result.reusedKeyOrderId).toBe(result.placed.id);
    expect(result.outOfStockSkus).toHaveLength(1);
    expect(result.invalidStateCode).toBe('INVALID_STATE');
    expect(result.validationPaths).toEqual(['query.limit']);

    // Every exchange against the document.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema({ ...document, $id: 'openapi.json' });
    const statuses = new Set<number>();
    for (const exchange of result.exchanges) {
      const where = `${exchange.method.toUpperCase()} ${exchange.path} → ${exchange.status} ${exchange.contentType}`;
      statuses.add(exchange.status);
      const validate = ajv.getSchema(
        `openapi.json#/${pointer('paths', exchange.path, exchange.method, 'responses', String(exchange.status), 'content', exchange.contentType, 'schema')}`,
      );
      expect(validate, `${where} is not in the document`).toBeTypeOf('function');
      const valid = validate?.(exchange.body);
      expect(valid ? [] : validate?.errors, where).toEqual([]);
    }
    // Successes and problems alike were checked.
    expect([...statuses].sort()).toEqual([200, 201, 400, 409, 422]);
  });
});
