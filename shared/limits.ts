/**
 * DynamoDB service limits the domain plans around. A module of its own, free of SDK imports, so
 * contracts can size their schemas by them without pulling the DynamoDB client into every bundle
 * that reads a contract (the platform function reads them all for the OpenAPI document).
 */

/** DynamoDB's limit on items in one `TransactWriteItems`. */
export const MAX_TRANSACT_ITEMS = 100;
