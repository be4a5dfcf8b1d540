/**
 * Fuzzing every route of the shared local runtime: fast-check generates requests from the same zod
 * schemas the routes validate with (through the OpenAPI document built from them, `buildOpenApi`),
 * valid ones that reach the handlers and DynamoDB, and hostile mutations of them: wrong types,
 * huge strings (a few over the 256 KB body limit), deep nesting, unicode edge cases with lone
 * surrogates and invalid UTF-8, prototype-pollution keys, invalid JSON, wrong content types,
 * duplicate and malformed query parameters, malformed percent-encoding in paths, and tokens of
 * every kind (none, garbage, a customer's, staff's; the webhook signed and not).
 *
 * The property, for every answer: never a 5xx; every error a well-formed problem+json (`type`,
 * `title`, `status` equal to the HTTP status, a `code` of `shared/errors.ts` that the route lists or
 * the shared edge answers on every route); the runtime still healthy afterwards.
 *
 * FUZZ_RUNS (default 10,000) sets the number of requests; FUZZ_SEED replays a run: every request is
 * drawn up front from the seed, so the same seed sends the same requests (docs/security.md, "Fuzzing").
 */
import { createHmac } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiMeta, routeContracts } from '#functions/routes.ts';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { allRoutes } from '#infra/topology.ts';
import { type ErrorCode, errorCatalogue } from '#shared/errors.ts';
import type { RouteSpec } from '#shared/http/contract.ts';
import { buildOpenApi, errorCodesOf } from '#shared/http/openapi.ts';
import { problemType } from '#shared/http/problem.ts';

const baseUrl = inject('baseUrl');
const api = apiClient(baseUrl);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 16;
const PER_FUNCTION = 3;
/** The local runtime's default webhook secret (`WEBHOOK_SECRET`), public and local only. */
const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET?.split(',')[0] ?? 'local-webhook-secret';

type Json = Record<string, unknown>;
const document = buildOpenApi(routeContracts, apiMeta) as {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};

// --- JSON Schema (from the zod contracts) → fast-check -------------------------------------------

const functionOf = new Map(allRoutes().map(({ functionName, route }) => [route.operationId, functionName]));
const cache = new Map<Json, fc.Arbitrary<unknown>>();

function stringArb(s: Json): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = Math.min(typeof s.maxLength === 'number' ? s.maxLength : 40, 200);
  if (s.format === 'date-time')
    return fc
      .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (s.format === 'date')
    return fc
      .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'email') return fc.emailAddress().filter((e) => e.length <= 100);
  if (s.pattern === '^[A-Z]{3}$')
    // Currencies: the schema says three capitals; the refinement wants a real one, mostly.
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('EUR', 'USD', 'GBP') },
      fc.stringMatching(/^[A-Z]{3}$/),
    );
  if (typeof s.pattern === 'string') {
    const matching = fc.stringMatching(new RegExp(s.pattern));
    return matching.filter(
      (v) => v.length >= min && v.length <= (typeof s.maxLength === 'number' ? s.maxLength : 2048),
    );
  }
  return fc.string({ minLength: min, maxLength: Math.max(min, max) });
}

function arbOf(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema !== 'object' || schema === null) return fc.jsonValue({ maxDepth: 2 });
  const s = schema as Json;
  const cached = cache.get(s);
  if (cached) return cached;
  const built = build(s, depth);
  cache.set(s, built);
  return built;
}

function build(s: Json, depth: number): fc.Arbitrary<unknown> {
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/components/schemas/', '');
    return depth > 6 ? fc.constant(null) : arbOf(document.components.schemas[name], depth + 1);
  }
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const options = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(options)) return fc.oneof(...options.map((o) => arbOf(o, depth + 1)));
  if (Array.isArray(s.allOf)) return arbOf(s.allOf[0], depth + 1);
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((t) => arbOf({ ...s, type: t }, depth + 1)));
  switch (s.type) {
    case 'string':
      return stringArb(s);
    case 'integer': {
      const min =
        typeof s.minimum === 'number'
          ? s.minimum
          : typeof s.exclusiveMinimum === 'number'
            ? s.exclusiveMinimum + 1
            : -1000;
      const max =
        typeof s.maximum === 'number'
          ? s.maximum
          : typeof s.exclusiveMaximum === 'number'
            ? s.exclusiveMaximum - 1
            : 1_000_000;
      return fc.integer({ min, max: Math.max(min, max) });
    }
    case 'number':
      return fc.double({
        min: typeof s.minimum === 'number' ? s.minimum : -1e6,
        max: typeof s.maximum === 'number' ? s.maximum : 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = typeof s.minItems === 'number' ? s.minItems : 0;
      const maxLength = Math.max(minLength, Math.min(typeof s.maxItems === 'number' ? s.maxItems : 3, 3));
      return fc.array(arbOf(s.items, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = (s.required ?? []) as string[];
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) shape[name] = arbOf(property, depth + 1);
      if (Object.keys(shape).length === 0 && typeof s.additionalProperties === 'object')
        return fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }),
          arbOf(s.additionalProperties, depth + 1),
          {
            maxKeys: 3,
          },
        );
      return fc.record(shape, { requiredKeys: required });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// --- requests ----------------------------------------------------------------------------------

interface Fuzzed {
  readonly kind: string;
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** The path no longer has the route's shape: API Gateway's own 404 is a fair answer. */
  readonly pathMutated?: boolean;
}

type Token = 'none' | 'garbage' | 'customer' | 'staff';
let tokens: Record<Token, string | undefined>;
let fixtures: { sku: string; order: string; customer: string };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Json;
}

interface Template {
  route: RouteSpec;
  params: Parameter[];
  body?: Json;
  pathArb: fc.Arbitrary<Record<string, string>>;
  queryArb: fc.Arbitrary<[string, string][]>;
  bodyArb?: fc.Arbitrary<unknown>;
}

const templates: Template[] = routeContracts.map((route) => {
  const op = document.paths[route.path]?.[route.method.toLowerCase()] as Json;
  const params = (op.parameters ?? []) as Parameter[];
  const body = (op.requestBody as { content: Record<string, { schema: Json }> } | undefined)?.content[
    'application/json'
  ]?.schema;
  const pathShape: Record<string, fc.Arbitrary<string>> = {};
  for (const p of params.filter((p) => p.in === 'path')) {
    // Now and then one of the runtime's real ids, so reads and changes find something.
    pathShape[p.name] = fc.oneof(
      { weight: 3, arbitrary: arbOf(p.schema).map(String) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('sku', 'order', 'customer')
          .map((k) => fixtures[k as keyof typeof fixtures]),
      },
    );
  }
  const queryParts = params
    .filter((p) => p.in === 'query')
    .map((p) => {
      const value = arbOf(p.schema).map((v) => [[p.name, String(v)]] as [string, string][]);
      // A made-up cursor is refused (rightly), so valid lists mostly start at the first page.
      const absent = p.name === 'cursor' ? 6 : 1;
      return p.required
        ? value
        : fc.oneof(
            { weight: 1, arbitrary: value },
            { weight: absent, arbitrary: fc.constant([] as [string, string][]) },
          );
    });
  return {
    route,
    params,
    ...(body ? { body, bodyArb: arbOf(body) } : {}),
    pathArb: fc.record(pathShape),
    queryArb: queryParts.length ? fc.tuple(...queryParts).map((parts) => parts.flat()) : fc.constant([]),
  };
});

const fillPath = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
const queryString = (pairs: [string, string][]) =>
  pairs.length
    ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`
    : '';

/** The token a well-meant request of this route carries. */
function rightToken(route: RouteSpec, choice: boolean): Token {
  if (route.access === 'public' || route.access === 'signed') return 'none';
  if (route.access === 'staff') return 'staff';
  return choice ? 'staff' : 'customer';
}

function signed(body: string, headers: Record<string, string>): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const mac = createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest('hex');
  return { ...headers, 'x-webhook-timestamp': timestamp, 'x-webhook-signature': `v1=${mac}` };
}

const unicodeEdges = fc.constantFrom(
  '\uD800',
  '\uDFFF',
  'a\uD83D',
  '\uDE00b',
  '\u0000',
  '\uFEFF',
  '\uFFFF',
  '\u202E evil',
  'e\u0301\u0301\u0301',
  '😀'.repeat(50),
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\r\n\t',
  '"\\',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '$' + '{jndi:ldap://x}',
);
const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype');
const hostileValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(1e308),
  fc.constant(-0),
  fc.string({ maxLength: 20 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({}),
  fc.constant([]),
  unicodeEdges,
);
const invalidJson = fc.constantFrom(
  '{',
  '{"a":1,}',
  "{'a':1}",
  '[1,2',
  'NaN',
  'undefined',
  '{"a":01}',
  '{"a":"\\x"}',
  '{"a":"\\ud800"}',
  '\u0000',
  'null',
  '[]',
  '1',
  '"text"',
  'true',
  '{"a":1}{"b":2}',
  ' ',
  '\uFEFF{}',
);
const malformedSegments = fc.constantFrom(
  '%',
  '%Z',
  '%E0%A4',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%00',
  '%2F',
  '%25',
  '..',
  '%2E%2E',
  'a'.repeat(3000),
  '%F0%9F%98%80',
  '%uD800',
);
const contentTypes = fc.constantFrom(
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/problem+json',
  'image/png',
  '',
);

/** Replaces one member of a JSON value (at any depth) with `replacement`. */
function replaceSomewhere(value: unknown, pick: number, replacement: unknown): unknown {
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) {
        slots.push({ parent: v, key: i });
        visit(item);
      }
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        slots.push({ parent: v as Record<string, unknown>, key: k });
        visit(item);
      }
    }
  };
  const copy = structuredClone(value);
  visit(copy);
  const slot = slots[pick % Math.max(slots.length, 1)];
  if (!slot) return replacement;
  (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
  return copy;
}

/** JSON text with `"<key>": <raw>` spliced in as the first member of the first object. */
function splice(json: string, key: string, raw: string): string {
  const at = json.indexOf('{');
  if (at < 0) return `{${JSON.stringify(key)}:${raw}}`;
  const rest = json.slice(at + 1);
  return `${json.slice(0, at + 1)}${JSON.stringify(key)}:${raw}${rest.trimStart().startsWith('}') ? '' : ','}${rest}`;
}

const KINDS = [
  ['valid', 14],
  ['token', 14],
  ['wrongType', 12],
  ['proto', 6],
  ['huge', 3],
  ['deep', 4],
  ['unicode', 8],
  ['invalidJson', 8],
  ['contentType', 8],
  ['query', 10],
  ['path', 10],
] as const;

const requestArb: fc.Arbitrary<Fuzzed> = fc
  .record({
    t: fc.integer({ min: 0, max: templates.length - 1 }),
    kind: fc.oneof(...KINDS.map(([kind, weight]) => ({ weight, arbitrary: fc.constant(kind) }))),
    staffChoice: fc.boolean(),
    pick: fc.nat(),
  })
  .chain(({ t, kind, staffChoice, pick }) => {
    const tpl = templates[t] as Template;
    return fc
      .record({
        path: tpl.pathArb,
        query: tpl.queryArb,
        body: tpl.bodyArb ?? fc.constant(undefined),
        token: fc.constantFrom<Token>('none', 'garbage', 'customer', 'staff'),
        hostile: hostileValue,
        unicode: unicodeEdges,
        proto: protoKeys,
        invalid: invalidJson,
        contentType: contentTypes,
        segment: malformedSegments,
        size: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 1_000, max: 120_000 }) },
          { weight: 1, arbitrary: fc.integer({ min: 262_200, max: 400_000 }) },
        ),
        depth: fc.integer({ min: 10, max: 5_000 }),
        signedWebhook: fc.boolean(),
        dupName: fc.constantFrom(
          'limit',
          'cursor',
          'customerId',
          'from',
          'to',
          'orderId',
          'status',
          '__proto__',
          '',
        ),
        dupValues: fc.array(
          fc.oneof(
            fc.string({ maxLength: 10 }),
            fc.constantFrom('%ZZ', '%', '-1', '1e3', '101', '0', '9'.repeat(400), '%ED%A0%80'),
          ),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        idempotencyKey: fc.oneof(
          fc.uuid(),
          fc.string({ minLength: 1, maxLength: 300 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
        ),
      })
      .map((g): Fuzzed => {
        const route = tpl.route;
        let path = fillPath(route.path, g.path);
        // `.` and `..` are valid ids by some schemas, but every URL parser removes such segments.
        let pathMutated = Object.values(g.path).some((v) => v === '.' || v === '..');
        let query = queryString(g.query);
        let token: Token = rightToken(route, staffChoice);
        const headers: Record<string, string> = {};
        let text: string | undefined = tpl.body ? JSON.stringify(g.body) : undefined;
        let body: string | Uint8Array | undefined;
        if (route.idempotencyKey === 'required' || (route.idempotencyKey && staffChoice))
          headers['idempotency-key'] = g.idempotencyKey;
        switch (kind) {
          case 'token':
            token = g.token;
            break;
          case 'wrongType':
            text = JSON.stringify(replaceSomewhere(g.body ?? {}, pick, g.hostile));
            break;
          case 'proto':
            text = splice(text ?? '{}', g.proto, pick % 2 ? '{"isStaff":true,"polluted":1}' : '"x"');
            break;
          case 'huge':
            text = JSON.stringify(replaceSomewhere(g.body ?? {}, pick, 'x'.repeat(g.size)));
            break;
          case 'deep': {
            const open = pick % 2 ? '[' : '{"a":';
            const close = pick % 2 ? ']' : '}';
            text = splice(text ?? '{}', 'nested', `${open.repeat(g.depth)}1${close.repeat(g.depth)}`);
            break;
          }
          case 'unicode':
            if (pick % 3 === 0)
              body = Buffer.from([
                0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d,
              ]);
            else
              text = JSON.stringify(
                replaceSomewhere(g.body ?? { note: 'x' }, pick, `${g.unicode}${g.unicode}`),
              );
            break;
          case 'invalidJson':
            text = g.invalid;
            break;
          case 'contentType':
            headers['content-type'] = g.contentType;
            break;
          case 'query': {
            const dup = g.dupValues.map(
              (v) => `${encodeURIComponent(g.dupName)}=${pick % 2 ? v : encodeURIComponent(v)}`,
            );
            query = `${query ? `${query}&` : '?'}${dup.join('&')}${pick % 3 === 0 ? '&&=&%' : ''}`;
            break;
          }
          case 'path': {
            const segments = path.split('/');
            const i = 1 + (pick % Math.max(segments.length - 1, 1));
            segments[i] = g.segment;
            path = segments.join('/');
            pathMutated = true;
            break;
          }
        }
        // Staff's segments would use up the runtime's 25 (other files need theirs): never staff's token.
        if (route.operationId === 'putSegment' && token === 'staff') token = 'customer';
        if (body === undefined && text !== undefined) body = text;
        if (body !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
        if (headers['content-type'] === '') delete headers['content-type'];
        if (route.access === 'signed' && g.signedWebhook && typeof body === 'string')
          Object.assign(headers, signed(body, {}));
        const bearer = tokens[token];
        if (bearer) headers.authorization = `Bearer ${bearer}`;
        return {
          kind,
          operationId: route.operationId,
          method: route.method,
          path: `${path}${query}`,
          headers,
          ...(body === undefined ? {} : { body }),
          pathMutated,
        };
      });
  });

// --- the property --------------------------------------------------------------------------------

/** The routes API Gateway would pick for a method and path (static segments first). */
function routesFor(method: string, rawPath: string): RouteSpec[] {
  // As the gateway sees it: dot segments (`..`, `%2E%2E`) removed by URL parsing.
  const path = new URL(rawPath, 'http://localhost').pathname;
  return (routeContracts as readonly RouteSpec[]).filter((route) => {
    if (route.method !== method) return false;
    const pattern = route.path
      .split('/')
      .map((s: string) => (/^\{\w+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return new RegExp(`^${pattern}$`).test(path);
  });
}

function verdict(request: Fuzzed, status: number, contentType: string, body: unknown): string | undefined {
  if (status >= 500) return `${status}`;
  if (status < 400) return undefined;
  const b = body as Json | undefined;
  if (
    status === 404 &&
    request.pathMutated &&
    b &&
    typeof b.message === 'string' &&
    Object.keys(b).length === 1
  )
    return undefined; // API Gateway's own answer: no route for that path
  if (!contentType.startsWith('application/problem+json'))
    return `${status} not problem+json (${contentType})`;
  if (!b || typeof b !== 'object') return `${status} body is not an object`;
  const code = b.code as ErrorCode;
  if (!(code in errorCatalogue)) return `${status} unknown code ${String(b.code)}`;
  const entry = errorCatalogue[code];
  if (b.status !== status || entry.status !== status)
    return `${status} but status ${String(b.status)} / ${code}`;
  if (b.type !== problemType(code) || b.title !== entry.title) return `${code}: type or title wrong`;
  if (typeof b.detail !== 'string') return `${code}: no detail`;
  const allowed = new Set(routesFor(request.method, request.path).flatMap(errorCodesOf));
  if (!allowed.has(code)) return `${code} is not among the route’s errors`;
  return undefined;
}

/** Over node:http rather than fetch, which refuses a body on GET (API Gateway passes one on). */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function send(request: Fuzzed): Promise<{ status: number; contentType: string; body: unknown }> {
  return new Promise((resolvePromise, reject) => {
    // Node sends no length for a GET body by itself (nor chunks it): say it, as every client would.
    const headers =
      request.body === undefined
        ? request.headers
        : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    const req = httpRequest(
      `${baseUrl}${request.path}`,
      { method: request.method, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: the verdict says so
          }
          resolvePromise({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

const describeRequest = (r: Fuzzed) => {
  const body =
    typeof r.body === 'string' ? r.body : r.body ? `<bytes ${Buffer.from(r.body).toString('hex')}>` : '';
  const { authorization: _, ...headers } = r.headers;
  return `${r.kind} ${r.operationId}: ${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(headers)} ${body.slice(0, 300)}${body.length > 300 ? `… (${body.length} chars)` : ''}`;
};

beforeAll(async () => {
  const customer = uniqueId('fuzz-customer').toLowerCase();
  const [staff, own] = await Promise.all([api.token('staff-fuzz-e2e', ['staff']), api.token(customer)]);
  tokens = { none: undefined, garbage: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', customer: own, staff };
  const sku = uniqueId('FUZZ');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: 'Fuzz', price: 100, currency: 'EUR' },
      })
    ).status,
  ).toBe(201);
  await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: 1000, reason: 'receipt' },
  });
  const order = await api.request<{ id: string }>('POST', '/orders', {
    token: own,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: {
      lines: [{ sku, quantity: 1 }],
      shippingAddress: { name: 'F', line1: '1 St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
  });
  expect(order.status).toBe(201);
  fixtures = { sku, order: order.body.id, customer };
});

describe('Fuzzing every route (fast-check, schemas from the route contracts)', () => {
  it(`answers ${RUNS} generated and hostile requests without a 5xx, every error a problem+json the route lists`, async () => {
    console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} (set both to replay this run)`);
    const drawn = Date.now();
    const requests = fc.sample(requestArb, { seed: SEED, numRuns: RUNS });
    console.log(`fuzz: drew ${RUNS} requests in ${Date.now() - drawn} ms`);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    const run = async (i: number) => {
      const request = requests[i] as Fuzzed;
      let wrong: string | undefined;
      try {
        const res = await send(request);
        const bucket = `${request.kind} ${res.status}`;
        statuses.set(bucket, (statuses.get(bucket) ?? 0) + 1);
        wrong = verdict(request, res.status, res.contentType, res.body);
        if (wrong) wrong = `${wrong} ${String(JSON.stringify(res.body)).slice(0, 300)}`;
      } catch (error) {
        wrong = `no answer: ${(error as Error).message}`;
      }
      if (wrong) failures.push(`#${i} ${wrong}\n    ${describeRequest(request)}`);
    };
    // One queue per function, at most PER_FUNCTION of its requests in flight: as many containers
    // as that, not one per lane (each cold start costs a second of CPU on a 2-core machine).
    const queues = new Map<string, number[]>();
    requests.forEach((r, i) => {
      const name = functionOf.get(r.operationId) ?? '';
      const queue = queues.get(name) ?? [];
      queue.push(i);
      queues.set(name, queue);
    });
    const lanes = [...queues.values()]
      .flatMap((queue) =>
        Array.from({ length: PER_FUNCTION }, (_, lane) => queue.filter((__, k) => k % PER_FUNCTION === lane)),
      )
      .sort((x, y) => y.length - x.length);
    const started = Date.now();
    let nextLane = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let l = nextLane++; l < lanes.length; l = nextLane++)
          for (const i of lanes[l] ?? []) await run(i);
      }),
    );
    const reached = [...statuses].filter(([k]) => !/ (401|403)$/.test(k)).reduce((n, [, c]) => n + c, 0);
    console.log(
      `fuzz: ${requests.length} requests in ${Date.now() - started} ms; ${reached} past authentication, ${failures.length} wrong`,
    );
    const byKind = Object.fromEntries(
      KINDS.map(([kind]) => [
        kind,
        Object.fromEntries(
          [...statuses].filter(([k]) => k.startsWith(`${kind} `)).map(([k, n]) => [k.split(' ')[1], n]),
        ),
      ]),
    );
    console.log(`fuzz: answers by kind ${JSON.stringify(byKind)}`);
    expect(failures.slice(0, 20), `FUZZ_SEED=${SEED}: ${failures.length} failures`).toEqual([]);
    // Valid requests reach the handlers and succeed, not only refusals.
    const succeeded = [...statuses].filter(([k]) => / 2\d\d$/.test(k)).reduce((n, [, c]) => n + c, 0);
    expect(succeeded).toBeGreaterThan(RUNS / 50);
    // The runtime is still up and every function answers.
    expect((await api.request('GET', '/health')).status).toBe(200);
  }, 240_000);
});
