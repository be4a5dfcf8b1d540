/**
 * Generates the OpenAPI 3.1 document from route contracts. Never hand-written: a route added to
 * the topology appears here with its schemas, security and problem responses.
 *
 * Written for the clients people generate from it (openapi-typescript, openapi-fetch) and for the
 * linters (Redocly's recommended rules, Spectral's `spectral:oas`), both run by the unit tier:
 * - request schemas carry no `default`: generators read a default as "always present" and would
 *   make clients send the field; the default goes into the description instead;
 * - every error code has its own closed problem schema, with the members the server adds;
 * - every operation lists what API Gateway itself may answer (401, 413, 500, 503) beside the
 *   function's own problems.
 */
import * as z from 'zod';
import { errorDocs } from '../error-docs.ts';
import { type ErrorCode, errorCatalogue } from '../errors.ts';
import { queryIntegerBounds } from '../schemas.ts';
import type { ApiTag, RouteSpec } from './contract.ts';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem.ts';

type JsonSchema = Record<string, unknown>;

interface Collected {
  schemas: Record<string, JsonSchema>;
  /** Which conversion (`input`/`output`) produced each hoisted schema, to catch a clash. */
  origin: Record<string, string>;
}

/** Keys whose values are data, not schemas: never rewritten. */
const DATA_KEYS = new Set(['example', 'examples', 'const', 'enum']);
/** Keys whose values map names to schemas. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'patternProperties', 'dependentSchemas']);

/**
 * Moves every `default` of a request schema into its description. openapi-typescript (default
 * flags) types a property with a default as required, which would make clients send `channel`.
 */
function withoutDefaults(node: unknown, isSchemaMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutDefaults(n));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (isSchemaMap) out[key] = withoutDefaults(value);
    else if (DATA_KEYS.has(key) || (key === 'default' && !isSchemaMap)) out[key] = value;
    else out[key] = withoutDefaults(value, SCHEMA_MAPS.has(key));
  }
  if (!isSchemaMap && 'default' in out) {
    const { default: value, ...rest } = out;
    const note = `Defaults to \`${JSON.stringify(value)}\`.`;
    return {
      ...rest,
      description: typeof rest.description === 'string' ? `${rest.description}. ${note}` : note,
    };
  }
  return out;
}

/** Converts a schema, hoisting every `meta({ id })` schema into `components.schemas`. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', collected: Collected): JsonSchema {
  const converted = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      // A query integer travels as digits in a string; clients should see (and send) a number.
      const bounds = queryIntegerBounds.get(ctx.zodSchema);
      if (!bounds) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[key];
      Object.assign(ctx.jsonSchema, { type: 'integer', ...bounds });
    },
  });
  // Per-schema conversion refers to `#/$defs/X`; in OpenAPI those live in components.
  const relinked = JSON.parse(
    JSON.stringify(io === 'input' ? withoutDefaults(converted) : converted).replaceAll(
      '"#/$defs/',
      '"#/components/schemas/',
    ),
  ) as JsonSchema & { $defs?: Record<string, JsonSchema>; $schema?: string; id?: string };
  const { $defs, $schema: _dialect, id: _id, ...rest } = relinked;
  const keep = (id: string, def: JsonSchema) => {
    const existing = collected.schemas[id];
    if (existing && JSON.stringify(existing) !== JSON.stringify(def)) {
      // One name, two shapes: a request and a response schema share an id but differ (a default,
      // a transform). Give one of them its own id.
      throw new Error(`Schema ${id} differs between ${collected.origin[id]} and ${io}`);
    }
    collected.schemas[id] = def;
    collected.origin[id] = io;
  };
  for (const [defId, def] of Object.entries($defs ?? {})) keep(defId, def);
  const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
  if (id) {
    // zod may already have hoisted the root into $defs and left only a $ref behind.
    if (!$defs?.[id]) keep(id, rest);
    return { $ref: `#/components/schemas/${id}` };
  }
  return rest;
}

/** `OUT_OF_STOCK` → `OutOfStockProblem`. */
export const problemSchemaName = (code: ErrorCode): string =>
  `${code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}Problem`;

/** The closed problem+json schema of one code: the RFC 9457 members, `code`, and the code's own. */
function problemSchema(code: ErrorCode, collected: Collected): JsonSchema {
  const { status, title } = errorCatalogue[code];
  const { when, members } = errorDocs[code];
  const own = toSchema(z.object(members), 'output', collected) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return {
    type: 'object',
    description: when,
    properties: {
      type: { type: 'string', const: problemType(code), description: 'Identifies the problem type' },
      title: { type: 'string', const: title },
      status: { type: 'integer', const: status },
      detail: { type: 'string', description: 'What went wrong with this request, for people' },
      code: { type: 'string', const: code, description: 'Stable, for programs' },
      instance: { type: 'string', description: 'The request path' },
      ...own.properties,
    },
    required: ['type', 'title', 'status', 'detail', 'code', ...(own.required ?? [])],
    additionalProperties: false,
  };
}

/**
 * What API Gateway answers by itself, in its own shape: 401 from the JWT authorizer (in AWS; the
 * local runtime answers a problem), 413 over its 10 MB limit, 500 when the integration fails and
 * 503 when it times out.
 */
const GATEWAY_MESSAGE = 'GatewayMessage';
const gatewayMessageSchema: JsonSchema = {
  type: 'object',
  description: 'An answer from API Gateway itself, before or instead of the function',
  properties: { message: { type: 'string', examples: ['Unauthorized', 'Internal Server Error'] } },
  required: ['message'],
  additionalProperties: false,
};
const GATEWAY_STATUSES: Readonly<Record<number, string>> = {
  401: 'API Gateway’s JWT authorizer refused the token (in AWS)',
  413: 'The body is over API Gateway’s 10 MB limit',
  500: 'The function failed or could not be invoked',
  503: 'The function did not answer within 30 seconds',
};

/** Every code a route may answer with, from its contract and what the shared edge does. */
export function errorCodesOf(route: RouteSpec): ErrorCode[] {
  // Every function reads (and size-checks, and parses) any body it is sent, and may fail.
  const codes = new Set<ErrorCode>(['MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'INTERNAL']);
  for (const code of route.errors ?? []) {
    if (!(code in errorCatalogue)) throw new Error(`${route.operationId}: unknown error code ${code}`);
    codes.add(code as ErrorCode);
  }
  if (route.body || route.params || route.query || route.idempotencyKey) codes.add('VALIDATION_FAILED');
  if (route.access !== 'public') codes.add('UNAUTHORIZED');
  if (route.access === 'staff') codes.add('FORBIDDEN');
  return [...codes].sort((a, b) => errorCatalogue[a].status - errorCatalogue[b].status || a.localeCompare(b));
}

function problemResponses(route: RouteSpec, used: Set<ErrorCode>): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(route)) {
    used.add(code);
    const { status } = errorCatalogue[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const gateway = Object.keys(GATEWAY_STATUSES)
    .map(Number)
    .filter((status) => status !== 401 || route.access === 'authenticated' || route.access === 'staff');
  const statuses = [...new Set([...byStatus.keys(), ...gateway])].sort((a, b) => a - b);
  const out: Record<string, JsonSchema> = {};
  for (const status of statuses) {
    const codes = byStatus.get(status) ?? [];
    const refs = codes.map((c) => ({ $ref: `#/components/schemas/${problemSchemaName(c)}` }));
    const content: Record<string, JsonSchema> = {};
    if (refs.length === 1) content[PROBLEM_CONTENT_TYPE] = { schema: refs[0] };
    if (refs.length > 1) {
      content[PROBLEM_CONTENT_TYPE] = {
        schema: {
          oneOf: refs,
          discriminator: {
            propertyName: 'code',
            mapping: Object.fromEntries(codes.map((c, i) => [c, refs[i]?.$ref])),
          },
        },
      };
    }
    const fromGateway = gateway.includes(status);
    if (fromGateway)
      content['application/json'] = { schema: { $ref: `#/components/schemas/${GATEWAY_MESSAGE}` } };
    const said = [
      ...codes.map((c) => `\`${c}\`: ${errorDocs[c].when}`),
      ...(fromGateway ? [`\`{ "message" }\`: ${GATEWAY_STATUSES[status]}`] : []),
    ];
    out[String(status)] = { description: said.join('. '), content };
  }
  return out;
}

function parametersOf(route: RouteSpec, collected: Collected): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, 'input', collected) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property;
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  if (route.idempotencyKey) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: route.idempotencyKey === 'required',
      description:
        'Any unique string per intended change (a UUID). A retry with the same key and body returns the first response; the same key with another body is refused',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return out;
}

export interface ApiMeta {
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description: string;
    readonly contact: { readonly name: string; readonly url?: string };
    readonly license: { readonly name: string; readonly identifier?: string; readonly url?: string };
  };
  readonly servers: readonly { readonly url: string; readonly description: string }[];
  /** Every tag an operation uses, in display order. */
  readonly tags: readonly ApiTag[];
}

export function buildOpenApi(routes: readonly RouteSpec[], meta: ApiMeta): JsonSchema {
  const collected: Collected = { schemas: {}, origin: {} };
  const declaredTags = new Set(meta.tags.map((t) => t.name));
  const used = new Set<ErrorCode>();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    if (!declaredTags.has(route.tag))
      throw new Error(`${route.operationId}: tag ${route.tag} is not declared`);
    const responses: Record<string, JsonSchema> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { 'application/json': { schema: toSchema(spec.schema, 'output', collected) } } }
          : {}),
      };
    }
    Object.assign(responses, problemResponses(route, used));
    const secured = route.access === 'authenticated' || route.access === 'staff';
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: parametersOf(route, collected),
      responses,
      security: secured ? [{ bearer: [] }] : [],
      'x-storeline-access': route.access,
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: toSchema(route.body, 'input', collected),
            ...(route.example === undefined ? {} : { example: route.example }),
          },
        },
      };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = operation;
  }
  const problems: Record<string, JsonSchema> = {};
  for (const code of Object.keys(errorCatalogue) as ErrorCode[]) {
    if (used.has(code)) problems[problemSchemaName(code)] = problemSchema(code, collected);
  }
  return {
    openapi: '3.1.0',
    info: meta.info,
    // No `jsonSchemaDialect`: the default, OpenAPI's base dialect, is JSON Schema 2020-12 plus the
    // `discriminator` and `example` keywords these schemas use; Swagger UI refuses any other value.
    servers: meta.servers,
    tags: meta.tags,
    paths,
    components: {
      schemas: { ...collected.schemas, ...problems, [GATEWAY_MESSAGE]: gatewayMessageSchema },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito access token with the `storeline/api` scope (authorization code flow; locally: POST /_local/token). Staff carry the `staff` group.',
        },
      },
    },
  };
}
