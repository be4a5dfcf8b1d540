/**
 * Unit tier: the webhook's contact fields accept and normalise exactly what the customers contract
 * does (the webhook keeps lean copies to stay within its bundle budget; this keeps them equal).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { Email, PersonName, Phone } from '#functions/customers/contract.ts';
import { ContactEmail, ContactName, ContactPhone } from '#functions/webhooks/contract.ts';

const outcome = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false };
};

const pairs = [
  ['email', ContactEmail, Email],
  ['name', ContactName, PersonName],
  ['phone', ContactPhone, Phone],
] as const;

const samples = [
  'ada@example.com',
  'Ada.Lovelace+news@Example.co.uk',
  'not-an-email',
  `${'a'.repeat(250)}@b.co`,
  '',
  '   ',
  ' Grace Hopper ',
  'x'.repeat(200),
  'x'.repeat(201),
  '+44 20 7946 0958',
  '(555) 010-0100',
  '+1',
  '12',
  ' +1 555 0100 ',
  '555.0100',
  '+49-(0)30/1234567',
];

describe('Webhook contact fields', () => {
  it.each(pairs)('%s: same answer as the customers contract on known samples', (_field, ours, theirs) => {
    for (const sample of samples) expect(outcome(ours, sample), sample).toEqual(outcome(theirs, sample));
  });

  it.each(pairs)(
    '%s: same answer as the customers contract on random strings (property)',
    (_field, ours, theirs) => {
      fc.assert(
        fc.property(
          fc.oneof(fc.string({ maxLength: 260 }), fc.stringMatching(/^\+?[0-9 ()./-]{0,34}$/)),
          (value) => {
            expect(outcome(ours, value)).toEqual(outcome(theirs, value));
          },
        ),
      );
    },
  );
});
