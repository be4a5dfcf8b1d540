/**
 * Writes docs/events.md from the event catalogue and the topology:
 *
 *   node scripts/gen-event-docs.ts           rewrite the file
 *   node scripts/gen-event-docs.ts --check   exit 1 if it is stale
 */
import { eventCatalogue } from '#events/catalog.ts';
import { eventDescriptions } from '#events/descriptions.ts';
import { topology } from '#infra/topology.ts';
import { EVENT_DOCS_PATH, renderEventDocs } from './event-docs.ts';
import { writeOrCheck } from './generated-doc.ts';

writeOrCheck(
  EVENT_DOCS_PATH,
  renderEventDocs(eventCatalogue, topology, eventDescriptions),
  'scripts/gen-event-docs.ts',
);
