/**
 * Records the catalogue's JSON Schemas in events/schemas.snapshot.json, the baseline the
 * compatibility test holds every published version to:
 *
 * - a new detail-type or a new version is added;
 * - a compatible change to a recorded version (an optional field, an enum value) is recorded;
 * - a breaking change to a recorded version is refused: publish it as a new version instead.
 *
 * Versions no longer in the catalogue stay recorded (events of them may still be in queues and
 * in the archive).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventCatalogue } from '#events/catalog.ts';
import {
  breakingChanges,
  catalogueSnapshot,
  formatChanges,
  isSchema,
  type JsonSchema,
} from '#scripts/event-compat.ts';

const path = fileURLToPath(new URL('../events/schemas.snapshot.json', import.meta.url));
const recorded: Record<string, JsonSchema> = {};
if (existsSync(path)) {
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  for (const [key, schema] of Object.entries(isSchema(json) ? json : {}))
    if (isSchema(schema)) recorded[key] = schema;
}

let refused = false;
const next: Record<string, JsonSchema> = { ...recorded };
for (const [key, schema] of Object.entries(catalogueSnapshot(eventCatalogue))) {
  const before = recorded[key];
  if (!before) {
    console.log(`recorded ${key} (new)`);
  } else {
    const changes = breakingChanges(before, schema);
    if (changes.length) {
      console.error(
        `refused: ${key} changes incompatibly; publish a new version instead:\n${formatChanges(changes)}`,
      );
      refused = true;
      continue;
    }
    if (JSON.stringify(before) !== JSON.stringify(schema)) console.log(`recorded ${key} (compatible change)`);
  }
  next[key] = schema;
}
const sorted = Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(path, `${JSON.stringify(sorted, null, 2)}\n`);
// Formatted as the linter wants it, so `npm test`'s lint step passes on the written file.
execFileSync(
  fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url)),
  ['format', '--write', path],
  {
    stdio: 'ignore',
  },
);
if (refused) process.exit(1);
