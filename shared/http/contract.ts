/**
 * Route contracts: the one description of an HTTP route that the topology (CDK routes, local
 * gateway), the handler (validation, authorisation) and the OpenAPI document are all built from.
 */
import type * as z from 'zod';
import type { Principal } from '../auth.ts';

/** A group of operations in the document (`tags`), with what it is about. */
export interface ApiTag {
  readonly name: string;
  readonly description: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route.
 * - `public`: no token (health, OpenAPI);
 * - `signed`: no token, the handler checks a signature (webhooks);
 * - `authenticated`: any valid token; the operation decides ownership;
 * - `staff`: a token whose groups include `staff`.
 */
export type Access = 'public' | 'signed' | 'authenticated' | 'staff';

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
}

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway path template, e.g. `/products/{sku}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /**
   * What the operation does, who may call it and what it refuses, in a sentence or three
   * (Markdown). The OpenAPI document and docs/api.md show it; every real route has one.
   */
  readonly description?: string;
  readonly tag: string;
  readonly access: Access;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** An example request body for the docs; a test checks it against `body`. */
  readonly example?: unknown;
  /** `Idempotency-Key` header policy for creating POSTs. */
  readonly idempotencyKey?: 'required' | 'optional';
  /** Success responses by status; problem responses are added from the error catalogue. */
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Error codes this route may answer with, for the OpenAPI document. */
  readonly errors?: readonly string[];
}

/** Keeps the literal type of a route so handlers get typed params, query and body. */
export function defineRoute<const R extends RouteSpec>(route: R): R {
  return route;
}

export const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>): string => `${r.method} ${r.path}`;

type Parsed<R, K extends 'params' | 'query' | 'body'> = R extends {
  readonly [P in K]: infer S extends z.ZodType;
}
  ? z.output<S>
  : undefined;

/** What an operation receives: validated input and the caller. */
export interface RouteRequest<R extends RouteSpec> {
  readonly params: Parsed<R, 'params'>;
  readonly query: Parsed<R, 'query'>;
  readonly body: Parsed<R, 'body'>;
  /** Present on every route but `public` and `signed` ones. */
  readonly principal: R extends { readonly access: 'public' | 'signed' } ? Principal | undefined : Principal;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body as received, for signature checks. */
  readonly rawBody: string;
  readonly idempotencyKey: R extends { readonly idempotencyKey: 'required' } ? string : string | undefined;
  /**
   * The request's correlation id: the caller's `x-correlation-id` when it is a sane token, else the
   * API Gateway request id. Travels as the correlation id of every event this request causes.
   */
  readonly requestId: string;
}

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Operation<R extends RouteSpec> = (request: RouteRequest<R>) => Promise<HttpResult>;

export type Operations<Routes extends Record<string, RouteSpec>> = {
  readonly [K in keyof Routes]: Operation<Routes[K]>;
};
