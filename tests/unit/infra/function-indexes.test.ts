/**
 * Unit: each function's `indexes` in the topology are exactly the indexes its code can query
 * (every module its entry reaches, searched for the index a query names). The least-privilege
 * grant (`dynamodb:Query` on those index ARNs only) is built from the same list, so a new query
 * on an undeclared index fails here instead of with AccessDenied in AWS.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { functionEntries } from '#infra/topology.ts';
import { indexesQueriedBy, indexesQueriedIn, reachableModules } from '../../support/table-indexes.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('Function: indexesQueriedIn', () => {
  it('finds an index named in a query, either branch of a choice, and nothing else', () => {
    expect(indexesQueriedIn("queryPage({ index: 'gsi1', pk })")).toEqual(['gsi1']);
    expect(indexesQueriedIn("{ IndexName: 'gsi2', KeyConditionExpression: 'x' }")).toEqual(['gsi2']);
    expect(indexesQueriedIn("index: byOwner ? 'gsi1' : 'gsi2',")).toEqual(['gsi1', 'gsi2']);
    expect(indexesQueriedIn("readonly index?: 'gsi1' | 'gsi2';")).toEqual([]);
    expect(indexesQueriedIn("gsi1pk: 'CUSTOMER#1', gsi1sk: now")).toEqual([]);
  });
});

describe('Topology: the indexes each function declares', () => {
  it.each(functionEntries())('%s declares exactly the indexes its code queries', (_name, spec) => {
    expect([...(spec.indexes ?? [])].sort()).toEqual(indexesQueriedBy(spec.entry, ROOT));
  });

  it('names every index literally where a query is built, so the search above sees them all', () => {
    // Only the shared page helper passes an index through (typed 'gsi1' | 'gsi2'); everything else names one.
    const modules = new Set(functionEntries().flatMap(([, spec]) => reachableModules(spec.entry, ROOT)));
    const passThrough = [...modules].filter((module) => {
      const source = readFileSync(`${ROOT}${module}`, 'utf8');
      return /\bIndexName\s*:/.test(source) && indexesQueriedIn(source).length === 0;
    });
    expect(passThrough).toEqual(['shared/query-page.ts']);
  });
});
