/**
 * The DynamoDB actions each table access level of the topology allows, exactly what the shared
 * data-access code (`#shared/transactions.ts`, `#shared/query-page.ts`, the entity modules) calls:
 * single-item reads, `BatchGetItem`, `Query`; writers add the actions `TransactWriteItems` is made
 * of (`Put`, `Update`, `Delete`, `ConditionCheck`). No `Scan`, `BatchWriteItem`, `DescribeTable`
 * or stream reads: nothing calls them (the publisher's stream access comes from its event source).
 * Indexes can only be queried, and only those a function declares (`FunctionSpec.indexes`).
 */
import type { TableAccess } from './types.ts';

export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  none: [],
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
};

/** What a function may do on the indexes it declares. */
export const INDEX_ACTIONS: readonly string[] = ['dynamodb:Query'];

/**
 * The OAuth scope every JWT route requires (`authorizationScopes` on the HTTP API's routes): the
 * Cognito resource server `storeline` with its one scope `api`. A Cognito token without it (an ID
 * token, or an access token of another client or flow) is refused with 403 before any handler runs;
 * the local gateway refuses it the same way.
 */
export const API_RESOURCE_SERVER = 'storeline';
export const API_SCOPE_NAME = 'api';
export const API_SCOPE = `${API_RESOURCE_SERVER}/${API_SCOPE_NAME}`;
