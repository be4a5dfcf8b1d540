/**
 * Generates the OpenAPI 3.1 document from route contracts. Never hand-written: a route added to
 * the topology appears here with its schemas, security and problem responses.
 */
import * as z from 'zod';
import { errorCatalogue } from '../errors.ts';
import type { RouteSpec } from './contract.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';

type JsonSchema = Record<string, unknown>;

const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.enum(Object.keys(errorCatalogue) as [string, ...string[]]),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

interface Collected {
  schemas: Record<string, JsonSchema>;
}

/** Converts a schema, hoisting every `meta({ id })` schema into `components.schemas`. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', collected: Collected): JsonSchema {
  const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  // Per-schema conversion refers to `#/$defs/X`; in OpenAPI those live in components.
  const relinked = JSON.parse(
    JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonSchema & { $defs?: Record<string, JsonSchema>; $schema?: string; id?: string };
  const { $defs, $schema: _dialect, id: _id, ...rest } = relinked;
  for (const [defId, def] of Object.entries($defs ?? {})) collected.schemas[defId] = def;
  const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
  if (id) {
    // zod may already have hoisted the root into $defs and left only a $ref behind.
    if (!$defs?.[id]) collected.schemas[id] = rest;
    return { $ref: `#/components/schemas/${id}` };
  }
  return rest;
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
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  if (route.idempotencyKey) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: route.idempotencyKey === 'required',
      description: 'A retry with the same key and body returns the first response',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return out;
}

function problemResponses(route: RouteSpec): Record<string, JsonSchema> {
  const codes = new Set<string>(route.errors ?? []);
  if (route.body || route.params || route.query) {
    codes.add('VALIDATION_FAILED');
  }
  if (route.body) codes.add('MALFORMED_JSON');
  if (route.access === 'authenticated' || route.access === 'staff' || route.access === 'signed')
    codes.add('UNAUTHORIZED');
  if (route.access === 'staff') codes.add('FORBIDDEN');
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const entry = errorCatalogue[code as keyof typeof errorCatalogue];
    if (!entry) continue;
    byStatus.set(entry.status, [...(byStatus.get(entry.status) ?? []), code]);
  }
  const out: Record<string, JsonSchema> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: list.join(', '),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return out;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

export function buildOpenApi(routes: readonly RouteSpec[], info: OpenApiInfo): JsonSchema {
  const collected: Collected = { schemas: {} };
  toSchema(ProblemSchema, 'output', collected);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { 'application/json': { schema: toSchema(spec.schema, 'output', collected) } } }
          : {}),
      };
    }
    Object.assign(responses, problemResponses(route));
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters: parametersOf(route, collected),
      responses,
      security: route.access === 'authenticated' || route.access === 'staff' ? [{ bearer: [] }] : [],
      'x-storeline-access': route.access,
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(route.body, 'input', collected) } },
      };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: collected.schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito user-pool token (locally: POST /_local/token). Staff carry the `staff` group.',
        },
      },
    },
  };
}
