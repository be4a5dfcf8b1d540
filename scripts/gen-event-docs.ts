/**
 * Writes docs/events.md from the event catalogue and the topology:
 *
 *   node scripts/gen-event-docs.ts           rewrite the file
 *   node scripts/gen-event-docs.ts --check   exit 1 if it is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventCatalogue } from '#events/catalog.ts';
import { topology } from '#infra/topology.ts';
import { EVENT_DOCS_PATH, renderEventDocs } from '#scripts/event-docs.ts';

const path = fileURLToPath(new URL(`../${EVENT_DOCS_PATH}`, import.meta.url));
const rendered = renderEventDocs(eventCatalogue, topology);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== rendered) {
    console.error(`${EVENT_DOCS_PATH} is stale: run node scripts/gen-event-docs.ts`);
    process.exit(1);
  }
  console.log(`${EVENT_DOCS_PATH} is up to date`);
} else {
  writeFileSync(path, rendered);
  console.log(`wrote ${EVENT_DOCS_PATH}`);
}
