import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  accessOf,
  authorizationMatrix,
  authorizationOf,
  renderAuthorizationTable,
} from '#functions/authorization.ts';
import { routeContracts } from '#functions/routes.ts';
import { SECURITY_DOCS_PATH, withAuthorizationMatrix } from '#scripts/authz-docs.ts';

const committed = readFileSync(
  fileURLToPath(new URL(`../../../${SECURITY_DOCS_PATH}`, import.meta.url)),
  'utf8',
);

describe('the authorisation matrix (functions/authorization.ts)', () => {
  it('has an entry for every route, and none for a route that does not exist', () => {
    const operations = routeContracts.map((r) => r.operationId);
    expect(new Set(operations).size).toBe(operations.length);
    for (const id of operations)
      expect(authorizationOf(id), `${id} is missing from the matrix`).toBeDefined();
    expect(Object.keys(authorizationMatrix).sort()).toEqual([...operations].sort());
  });

  it('agrees with every route’s access', () => {
    for (const route of routeContracts) {
      const auth = authorizationOf(route.operationId);
      expect(auth && accessOf[auth.who], route.operationId).toBe(route.access);
    }
  });

  it('says how ownership is checked on every customer-self route, and only there', () => {
    for (const route of routeContracts) {
      const auth = authorizationOf(route.operationId);
      if (auth?.who === 'customer-self') expect(auth.ownership, route.operationId).toBeDefined();
      else expect(auth?.ownership, route.operationId).toBeUndefined();
    }
  });

  it('names path parameters the route really has, and 404 where a resource is named', () => {
    for (const route of routeContracts) {
      const o = authorizationOf(route.operationId)?.ownership;
      if (o?.kind === 'path' || o?.kind === 'resource') {
        expect(route.path, route.operationId).toContain(`{${o.param}}`);
        expect(o.nonOwner).toBe(404);
        // A route answering 404 for another customer's resource must declare it.
        expect(route.errors ?? [], route.operationId).toContain('NOT_FOUND');
      }
      if (o?.kind === 'query') expect(route.query, route.operationId).toBeDefined();
      if (o?.kind === 'body') {
        expect(route.body, route.operationId).toBeDefined();
        expect(route.errors ?? [], route.operationId).toContain('FORBIDDEN');
      }
    }
  });

  it('fails the render of a route it does not know', () => {
    expect(() =>
      renderAuthorizationTable([{ operationId: 'noSuchOperation', method: 'GET', path: '/nowhere' }]),
    ).toThrow(/noSuchOperation/);
  });
});

describe('docs/security.md', () => {
  it('shows the matrix as it is (else: node scripts/gen-authz-docs.ts)', () => {
    expect(committed).toBe(withAuthorizationMatrix(committed, routeContracts));
    for (const route of routeContracts) expect(committed).toContain(`| ${route.operationId} |`);
  });
});
