/** Platform routes: liveness and the API description. Both are public. */
import * as z from 'zod';
import { defineRoute } from '#shared/http/contract.ts';

export const platformRoutes = {
  health: defineRoute({
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Liveness',
    tag: 'platform',
    access: 'public',
    responses: { 200: { description: 'Service is up', schema: z.object({ status: z.literal('ok') }) } },
  }),
  openapi: defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document, generated from the route schemas',
    tag: 'platform',
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  }),
} as const;
