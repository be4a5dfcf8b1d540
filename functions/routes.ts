/**
 * Every HTTP route contract, grouped by the function that serves it. The topology gives each group
 * to its function; the platform function builds the OpenAPI document from this same object, so the
 * document and the deployed routes cannot drift (a test compares them with the topology).
 * A new context adds its group here and names it in its topology entry.
 */
import { catalogRoutes } from './catalog/contract.ts';
import { orderRoutes } from './orders/contract.ts';
import { platformRoutes } from './platform/contract.ts';
import { reportsRoutes } from './reports/contract.ts';

export const httpRoutes = {
  platform: platformRoutes,
  catalog: catalogRoutes,
  orders: orderRoutes,
  reports: reportsRoutes,
} as const;

/** Every route contract, in declaration order. */
export const routeContracts = Object.values(httpRoutes).flatMap((group) => Object.values(group));
