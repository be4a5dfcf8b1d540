import { describe, expect, it } from 'vitest';

process.env.TABLE_NAME ??= 'storeline';
const { policyFromEnvironment } = await import('#functions/tickets/config.ts');
const { SLA_POLICY } = await import('#functions/tickets/sla.ts');

describe('Function: policyFromEnvironment', () => {
  it('is the documented policy when SLA_TARGETS is unset or blank', () => {
    expect(policyFromEnvironment({})).toEqual(SLA_POLICY);
    expect(policyFromEnvironment({ SLA_TARGETS: '  ' })).toEqual(SLA_POLICY);
  });

  it('replaces only the targets it names, keeping each priority’s hours', () => {
    const policy = policyFromEnvironment({
      SLA_TARGETS: JSON.stringify({ urgent: { responseMs: 5_000, resolutionMs: 10_000 } }),
    });
    expect(policy.urgent).toEqual({ responseMs: 5_000, resolutionMs: 10_000, hours: '24x7' });
    expect(policy.normal).toEqual(SLA_POLICY.normal);
  });

  it('refuses unknown priorities, missing or non-positive targets and invalid JSON', () => {
    for (const bad of [
      '{"critical":{"responseMs":1,"resolutionMs":2}}',
      '{"urgent":{"responseMs":1}}',
      '{"urgent":{"responseMs":0,"resolutionMs":2}}',
      '{"urgent":',
    ])
      expect(() => policyFromEnvironment({ SLA_TARGETS: bad }), bad).toThrow();
  });
});
