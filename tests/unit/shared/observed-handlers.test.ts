/**
 * Every function in the topology answers through the one middleware stack (`observed`): its entry
 * module's `handler` carries the marker the wrapper sets, with the kind its trigger implies.
 */
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET_VARIABLE } from '#functions/webhooks/settings.ts';
import { REPO_ROOT } from '#infra/constructs/function.ts';
import { type FunctionSpec, functionEnvironment, topology } from '#infra/topology.ts';
import { type HandlerKind, OBSERVED_KIND } from '#shared/observability.ts';

/** The kinds a function's triggers allow (an entry may serve routes or a queue, never both). */
function kindsOf(fn: FunctionSpec): readonly HandlerKind[] {
  if (fn.routes && Object.keys(fn.routes).length > 0) return ['http'];
  if (fn.consumer) return ['consumer'];
  if (fn.stream) return ['stream'];
  return ['schedule', 'timer', 'sns'];
}

// Locally the webhook function gets its signing secret's value rather than an ARN.
process.env[WEBHOOK_SECRET_VARIABLE] ??= 'unit-test-secret';
// Module-scope settings of every entry (table, bus, secrets, timers…), as the stack would set them.
for (const [name, fn] of Object.entries(topology.functions)) {
  const env = functionEnvironment(name, fn as FunctionSpec, {
    tableName: 'storeline-unit',
    busName: 'storeline-unit',
    messaging: { mailFrom: 'shop@example.org', opsTopicArn: 'arn:aws:sns:eu-west-1:000000000000:ops' },
  });
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('POWERTOOLS_')) process.env[key] ??= value;
  }
}

describe('observed handlers', () => {
  const entries = Object.entries(topology.functions as Record<string, FunctionSpec>);

  it.each(entries)('%s: its handler is wrapped by observed()', async (_name, fn) => {
    // Act
    const module = (await import(pathToFileURL(`${REPO_ROOT}/${fn.entry}`).href)) as {
      handler?: { [OBSERVED_KIND]?: HandlerKind };
    };

    // Assess
    expect(module.handler).toBeTypeOf('function');
    expect(kindsOf(fn)).toContain(module.handler?.[OBSERVED_KIND]);
  });
});
