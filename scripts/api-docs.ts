/**
 * Renders docs/api.md, the human guide to the API, from the route contracts, the error catalogue
 * and the OpenAPI document built from them: conventions, authentication, errors with their members,
 * idempotency, paging and query rules, then one section per tag with its routes. `node
 * scripts/gen-api-docs.ts` writes it; a unit test fails when the committed file differs.
 *
 * Not imported by the platform handler: it is for the repository, not the bundle.
 */
import type * as z from 'zod';
import { errorDocs } from '#shared/error-docs.ts';
import { type ErrorCode, errorCatalogue } from '#shared/errors.ts';
import type { RouteSpec } from '#shared/http/contract.ts';
import { MAX_BODY_BYTES } from '#shared/http/handler.ts';
import { type ApiMeta, buildOpenApi, errorCodesOf } from '#shared/http/openapi.ts';
import { PROBLEM_CONTENT_TYPE, problemType } from '#shared/http/problem.ts';
import { SECURITY_RELEVANT_QUERY_PARAMETERS } from '#shared/schemas.ts';

export const API_DOCS_PATH = 'docs/api.md';

/**
 * The OpenAPI document `GET /openapi.json` serves: a committed build artifact beside the platform
 * handler, which reads it instead of importing every route contract into its bundle. The topology
 * ships it beside the deployed bundle (`assets` of the platform function).
 */
export const OPENAPI_PATH = 'functions/platform/openapi.json';

/** The OpenAPI document as committed: pretty-printed, so a contract change reads as a diff. */
export function renderOpenApiDocument(routes: readonly RouteSpec[], meta: ApiMeta): string {
  return `${JSON.stringify(buildOpenApi(routes, meta), null, 2)}\n`;
}

type JsonSchema = Record<string, unknown>;
const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);
const asSchema = (v: unknown): JsonSchema => (isObject(v) ? v : {});
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

const ACCESS: Record<RouteSpec['access'], string> = {
  public: 'anyone, no token',
  signed: 'anyone; the body carries a signature',
  authenticated: 'any signed-in caller (customer or staff); the operation decides whose data',
  staff: 'staff only (a token in the `staff` group)',
};

function renderer(components: Record<string, JsonSchema>) {
  const resolve = (schema: JsonSchema): JsonSchema => {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    return resolve(asSchema(components[ref.replace('#/components/schemas/', '')]));
  };
  const refName = (schema: JsonSchema): string | undefined =>
    typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined;

  const typeOf = (raw: JsonSchema): string => {
    const schema = resolve(raw);
    if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
    if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
    const union = Array.isArray(schema.anyOf)
      ? schema.anyOf
      : Array.isArray(schema.oneOf)
        ? schema.oneOf
        : null;
    if (union) return union.map((s) => typeOf(asSchema(s))).join(' \\| ');
    const type = typeof schema.type === 'string' ? schema.type : 'any';
    if (type === 'array') return `${typeOf(asSchema(schema.items))}[]`;
    if (type === 'string' && typeof schema.format === 'string') return `string (${schema.format})`;
    const name = refName(raw);
    return type === 'object' && name ? `${name}` : type;
  };

  const constraints = (raw: JsonSchema): string => {
    const s = resolve(raw);
    const out: string[] = [];
    if (typeof s.minimum === 'number' && typeof s.maximum === 'number') out.push(`${s.minimum}–${s.maximum}`);
    if (typeof s.maxLength === 'number') out.push(`≤ ${s.maxLength} chars`);
    if (typeof s.maxItems === 'number') out.push(`≤ ${s.maxItems} items`);
    return out.join(', ');
  };

  /** One row per field, nested objects and arrays of objects flattened (`lines[].sku`). */
  const fieldRows = (raw: JsonSchema, prefix: string, depth = 0): string[] => {
    const schema = resolve(raw);
    const properties = asSchema(schema.properties);
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    return Object.entries(properties).flatMap(([name, value]) => {
      const field = asSchema(value);
      const resolved = resolve(field);
      const path = `${prefix}${name}`;
      const description = [
        typeof field.description === 'string' ? field.description : '',
        typeof resolved.description === 'string' && resolved !== field ? resolved.description : '',
        constraints(field),
      ]
        .filter((t) => t !== '')
        .join('. ');
      const row = `| \`${path}\` | ${typeOf(field)} | ${required.has(name) ? 'yes' : 'no'} | ${cell(description)} |`;
      if (depth > 3) return [row];
      const items = resolve(asSchema(resolved.items));
      const nested =
        resolved.type === 'object' && isObject(resolved.properties)
          ? fieldRows(resolved, `${path}.`, depth + 1)
          : resolved.type === 'array' && items.type === 'object'
            ? fieldRows(items, `${path}[].`, depth + 1)
            : [];
      return [row, ...nested];
    });
  };

  return { typeOf, fieldRows, refName };
}

const FIELD_HEADER = ['| field | type | required | notes |', '|---|---|---|---|'];

function errorSection(): string[] {
  const lines = [
    '## Errors',
    '',
    `Every error the API itself answers is an RFC 9457 problem document, \`content-type: ${PROBLEM_CONTENT_TYPE}\`:`,
    '',
    '```json',
    JSON.stringify(
      {
        type: problemType('OUT_OF_STOCK'),
        title: errorCatalogue.OUT_OF_STOCK.title,
        status: errorCatalogue.OUT_OF_STOCK.status,
        detail: 'Not enough stock for TSHIRT-RED-M',
        code: 'OUT_OF_STOCK',
        instance: '/orders',
        skus: ['TSHIRT-RED-M'],
      },
      null,
      2,
    ),
    '```',
    '',
    '`code` is stable and meant for programs; `detail` is for people and may change. Beyond the RFC 9457',
    'members (`type`, `title`, `status`, `detail`, `instance`) and `code`, a problem carries only the members',
    'its code lists below; the OpenAPI document gives each code its own closed schema (`OutOfStockProblem`, …),',
    'so a generated client reads `skus` once it has checked `code`. A 5xx never says what failed: its `detail`',
    'quotes the request id (also in the `apigw-requestid` response header) to report.',
    '',
    '| code | status | when | extra members |',
    '|---|---|---|---|',
  ];
  for (const [code, entry] of Object.entries(errorCatalogue)) {
    const { when, members: own } = errorDocs[code as ErrorCode];
    const members = Object.entries(own as Record<string, z.ZodType>)
      .map(([name, schema]) => {
        const optional = schema.safeParse(undefined).success;
        return `\`${name}\`${optional ? ' (optional)' : ''}${schema.description ? `: ${schema.description}` : ''}`;
      })
      .join('; ');
    lines.push(`| \`${code}\` | ${entry.status} | ${cell(when)} | ${cell(members || '—')} |`);
  }
  lines.push(
    '',
    '`errors` (on `VALIDATION_FAILED`) is a list of `{ "path", "message" }`, one per failing field, with paths',
    'such as `body.lines.0.sku`, `query.limit` or `headers.idempotency-key`.',
    '',
    'API Gateway answers some requests itself, before any function runs, with `content-type: application/json`',
    'and a body of just `{ "message": "…" }`: 401 `Unauthorized` from the JWT authorizer (in AWS; the local',
    'runtime answers a problem), 404 `Not Found` for a path and method no route has, 413 over its 10 MB limit,',
    '429 when throttled, 500 when the function failed to run, and 503 when it did not answer within 30 seconds.',
    'Clients should dispatch on the content type.',
    '',
  );
  return lines;
}

/** docs/api.md, from the routes and the document's metadata. */
export function renderApiDocs(routes: readonly RouteSpec[], meta: ApiMeta): string {
  const document = buildOpenApi(routes, meta) as {
    paths: Record<string, Record<string, JsonSchema>>;
    components: { schemas: Record<string, JsonSchema> };
  };
  const { typeOf, fieldRows, refName } = renderer(document.components.schemas);
  const idempotent = routes.filter((r) => r.idempotencyKey);
  const lines: string[] = [
    '# The Storeline API',
    '',
    '<!-- Generated by `node scripts/gen-api-docs.ts` from functions/routes.ts (the route contracts) and',
    `     shared/errors.ts, together with ${OPENAPI_PATH}. Do not edit:`,
    '     tests/unit/shared/openapi-docs.test.ts fails when either file is stale. -->',
    '',
    meta.info.description,
    '',
    'The machine-readable form of this guide is `GET /openapi.json` (OpenAPI 3.1, generated from the same',
    `contracts by the same script into \`${OPENAPI_PATH}\`, which the platform function serves);`,
    'the local runtime shows it as a browsable reference at `http://localhost:3000/docs`.',
    '',
    '## Conventions',
    '',
    '- JSON in and out (`content-type: application/json`); errors are `application/problem+json` (below).',
    `- Request bodies are at most ${MAX_BODY_BYTES / 1024} KiB (\`PAYLOAD_TOO_LARGE\`, 413). Unknown body fields are`,
    '  refused (`VALIDATION_FAILED`, each one named), so a typo never silently does nothing.',
    '- Money is an integer in minor units of its currency (`1999` EUR is €19.99), with an ISO 4217 `currency`.',
    '- Timestamps are ISO 8601 in UTC (`2026-03-01T12:00:00.000Z`); report days are `YYYY-MM-DD`, UTC.',
    '- Ids: SKUs are chosen by the business; order ids are 26-character ULID-like strings derived from',
    '  the caller and their `Idempotency-Key`.',
    '',
    '## Authentication',
    '',
    'Every route but the public ones needs `authorization: Bearer <JWT>`: a Cognito user-pool token in AWS,',
    'a token from `POST /_local/token` locally (`{"sub":"alice","groups":["staff"]}`). The token must carry',
    '`sub` and `exp`. Its `sub` is the caller: for a customer, their customer id. Membership of the `staff`',
    'group makes a staff member. Each route below says who may call it:',
    '',
    ...Object.entries(ACCESS).map(([access, who]) => `- **${access}**: ${who}.`),
    '',
    'A missing or invalid token is 401 (`UNAUTHORIZED`); a valid token without the right is 403',
    '(`FORBIDDEN`). Another customer’s order is 404: its existence is not theirs to learn.',
    '',
    ...errorSection(),
    '## Idempotency',
    '',
    'Creating POSTs take an `Idempotency-Key` header (1–255 characters; a UUID per intended change):',
    ...idempotent.map(
      (r) => `- \`${r.method} ${r.path}\`: ${r.idempotencyKey === 'required' ? 'required' : 'optional'}`,
    ),
    '',
    'A retry with the same key and the same body answers as the first request did, and changes nothing',
    'again; the same key with a different body is refused with 422 `IDEMPOTENCY_KEY_REUSED`. Keys are per',
    'caller: two customers using the same key do not collide. Retry on network errors, 429 and 503 with',
    'the same key and a jittered back-off.',
    '',
    '## Paging',
    '',
    'Lists answer `{ "items": [...], "nextCursor": "…" | null }`, newest first. `limit` is 1 to 100 (20 when',
    'absent). Pass `nextCursor` back as `cursor` for the next page; `null` means there is no more. A cursor',
    'is opaque and belongs to its list: a cursor from another list, or an edited one, is `VALIDATION_FAILED`.',
    '',
    '## Query parameters',
    '',
    '- Numbers are decimal digits only: `limit=10`, never `limit=1e1`, `limit=0x10`, `limit=+5` or `limit=5.0`.',
    '- A parameter a route does not declare is **ignored**, so cache-busters (`?_=1700000000`) and tracking',
    '  parameters do not break clients.',
    `- Except these names, which are **refused** (400) wherever a route does not declare them, in any letter`,
    `  case: ${SECURITY_RELEVANT_QUERY_PARAMETERS.map((n) => `\`${n}\``).join(', ')}. Ignoring one would answer a wider`,
    '  question than the caller asked (everyone’s orders instead of one customer’s), or let a misspelt',
    '  `customerid` pass unnoticed.',
    '- A repeated parameter reaches the function as one comma-joined value (API Gateway’s rule), so',
    '  `limit=1&limit=2` is refused as not a number.',
    '',
  ];

  for (const tag of meta.tags) {
    const tagged = routes.filter((r) => r.tag === tag.name);
    if (tagged.length === 0) continue;
    lines.push(`## ${tag.name.charAt(0).toUpperCase()}${tag.name.slice(1)}`, '', tag.description, '');
    for (const route of tagged) {
      const operation = asSchema(document.paths[route.path]?.[route.method.toLowerCase()]);
      lines.push(`### \`${route.method} ${route.path}\``, '', `**${route.summary}.**`, '');
      if (route.description) lines.push(route.description, '');
      lines.push(`Who: ${ACCESS[route.access]}. Operation id: \`${route.operationId}\`.`, '');
      const parameters = (Array.isArray(operation.parameters) ? operation.parameters : []).map(asSchema);
      if (parameters.length) {
        lines.push('| parameter | in | type | required | notes |', '|---|---|---|---|---|');
        for (const p of parameters) {
          const schema = asSchema(p.schema);
          const range =
            schema.type === 'integer' &&
            typeof schema.minimum === 'number' &&
            typeof p.description !== 'string'
              ? `${schema.minimum}–${String(schema.maximum)}`
              : '';
          const notes = [typeof p.description === 'string' ? p.description : '', range]
            .filter((t) => t !== '')
            .join('. ');
          lines.push(
            `| \`${String(p.name)}\` | ${String(p.in)} | ${typeOf(schema)} | ${p.required ? 'yes' : 'no'} | ${cell(notes)} |`,
          );
        }
        lines.push('');
      }
      const body = asSchema(
        asSchema(asSchema(asSchema(operation.requestBody).content)['application/json']).schema,
      );
      if (route.body) {
        lines.push(
          `Body${refName(body) ? ` (\`${refName(body)}\`)` : ''}:`,
          '',
          ...FIELD_HEADER,
          ...fieldRows(body, ''),
          '',
        );
      }
      if (route.example !== undefined) {
        lines.push('Example:', '', '```json', JSON.stringify(route.example, null, 2), '```', '');
      }
      const success = Object.entries(route.responses).map(([status, spec]) => {
        const schema = asSchema(
          asSchema(asSchema(asSchema(asSchema(operation.responses)[status]).content)['application/json'])
            .schema,
        );
        const name = refName(schema);
        return `${status} ${spec.description}${name ? ` (\`${name}\`)` : ''}`;
      });
      lines.push(`Answers: ${success.join('; ')}.`, '');
      const codes: ErrorCode[] = errorCodesOf(route);
      lines.push(
        `Errors: ${codes.map((c) => `${errorCatalogue[c].status} \`${c}\``).join(', ')}; and API Gateway’s own answers.`,
        '',
      );
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
