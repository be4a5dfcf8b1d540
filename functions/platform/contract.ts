/** Platform routes: liveness and the API description. Both are public. */
import * as z from 'zod';
import type { ApiTag } from '#shared/http/contract.ts';
import { defineRoute } from '#shared/http/contract.ts';

export const platformTag: ApiTag = {
  name: 'platform',
  description: 'Liveness and this API description. No token needed.',
};

/** Enough of an OpenAPI 3.1 document for a client to know what it fetched. */
export const OpenApiDocument = z
  .looseObject({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.looseObject({})),
    components: z.looseObject({}).optional(),
  })
  .meta({ id: 'OpenApiDocument', description: 'An OpenAPI 3.1 document' });

export const platformRoutes = {
  health: defineRoute({
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Liveness',
    description: 'Answers `ok` when the API is up. It reads nothing, so it says nothing about the table.',
    tag: 'platform',
    access: 'public',
    responses: { 200: { description: 'Service is up', schema: z.object({ status: z.literal('ok') }) } },
  }),
  openapi: defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document, generated from the route schemas',
    description:
      'Generated from the same route contracts the functions validate with, so it cannot drift from ' +
      'the deployed API. Feed it to a client generator (openapi-typescript) or a viewer; the local ' +
      'runtime shows it at `/docs`.',
    tag: 'platform',
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: OpenApiDocument } },
  }),
} as const;
