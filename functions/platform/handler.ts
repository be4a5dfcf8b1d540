/** Health and the OpenAPI document, generated once per container from the topology's contracts. */
import { allRoutes } from '#infra/topology.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { buildOpenApi } from '#shared/http/openapi.ts';
import { platformRoutes } from './contract.ts';

// Built at cold start: the contracts do not change while the container lives.
const document = buildOpenApi(
  allRoutes().map(({ route }) => route),
  {
    title: 'Storeline API',
    version: '1.0.0',
    description: 'Orders, customers, promotions and service desk. Errors are RFC 9457 problem+json.',
  },
);

export const handler = httpApi(platformRoutes, {
  health: async () => json({ status: 'ok' }),
  openapi: async () => json(document),
});
