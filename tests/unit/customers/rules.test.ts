/**
 * The customers context's pure rules: changes and consent, normalisation, If-Match, who may edit
 * what, and the contracts' refusals (strict bodies, invalid emails, oversized fields).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CreateCustomerInput, InteractionInput, UpdateCustomerInput } from '#functions/customers/contract.ts';
import {
  applyChange,
  type Customer,
  type CustomerContext,
  defaultInternal,
  fieldsNotSelfEditable,
  initialConsent,
  mayMarket,
  normaliseEmail,
  normaliseTerm,
  parseIfMatch,
  SUMMARY_CHARS,
  searchShard,
  summarise,
} from '#functions/customers/rules.ts';

const ctx: CustomerContext = {
  at: '2026-03-01T10:00:00.000Z',
  correlationId: 'c',
  by: 'staff-1',
  source: 'staff',
};

const customer = (over: Partial<Customer> = {}): Customer => ({
  id: 'c-1',
  email: 'ada@example.com',
  name: 'Ada',
  marketingConsent: { email: { granted: false }, sms: { granted: false } },
  version: 3,
  origin: 'staff',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'staff-1',
  ...over,
});

const consentArb = fc.record({ granted: fc.boolean() });
const customerArb = fc
  .record({
    name: fc.constantFrom('Ada', 'Grace', 'Zoë'),
    phone: fc.option(fc.constantFrom('+44 1', '+49 2'), { nil: undefined }),
    email: consentArb,
    sms: consentArb,
  })
  .map(({ name, phone, email, sms }) =>
    customer({ name, ...(phone === undefined ? {} : { phone }), marketingConsent: { email, sms } }),
  );
const changeArb = fc.record(
  {
    name: fc.constantFrom('Ada', 'Grace', 'Zoë'),
    phone: fc.constantFrom('+44 1', '+49 2', null),
    marketingConsent: fc.record({ email: fc.boolean(), sms: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

describe('Rules: applyChange', () => {
  it('bumps the version exactly when something changed, and reports every changed field', () => {
    fc.assert(
      fc.property(customerArb, changeArb, (before, change) => {
        const { customer: after, changed, consentChanges } = applyChange(before, change, ctx);
        expect(after.version).toBe(changed.length > 0 ? before.version + 1 : before.version);
        expect(after.updatedAt).toBe(changed.length > 0 ? ctx.at : before.updatedAt);
        expect(changed.includes('name')).toBe(after.name !== before.name);
        expect(changed.includes('phone')).toBe(after.phone !== before.phone);
        for (const channel of ['email', 'sms'] as const) {
          const flipped =
            after.marketingConsent[channel].granted !== before.marketingConsent[channel].granted;
          expect(changed.includes(`marketingConsent.${channel}`)).toBe(flipped);
          expect(consentChanges.some((c) => c.channel === channel)).toBe(flipped);
          // A flipped channel records when and who; an unflipped one keeps its history.
          expect(after.marketingConsent[channel]).toEqual(
            flipped
              ? { granted: !before.marketingConsent[channel].granted, changedAt: ctx.at, source: 'staff' }
              : before.marketingConsent[channel],
          );
          expect(mayMarket(after, channel)).toBe(after.marketingConsent[channel].granted);
        }
        // Applying the same change again changes nothing.
        expect(applyChange(after, change, ctx).changed).toEqual([]);
      }),
    );
  });

  it('removes the phone with null and never touches the input record', () => {
    const before = customer({ phone: '+44 1' });
    const { customer: after } = applyChange(before, { phone: null }, ctx);
    expect(after.phone).toBeUndefined();
    expect(before.phone).toBe('+44 1');
  });

  it('starts consent from the explicit choices only', () => {
    expect(initialConsent({ email: true, sms: false }, ctx)).toEqual({
      email: { granted: true, changedAt: ctx.at, source: 'staff' },
      sms: { granted: false, changedAt: ctx.at, source: 'staff' },
    });
    expect(initialConsent(undefined, ctx)).toEqual({ email: { granted: false }, sms: { granted: false } });
  });
});

describe('Rules: normalisation', () => {
  it('folds case, accents and spacing; emails compare lower-case', () => {
    expect(normaliseTerm('  Zoë   ÅNGSTRÖM ')).toBe('zoe angstrom');
    expect(normaliseEmail(' Ada@Example.COM ')).toBe('ada@example.com');
    expect(searchShard('zoe angstrom')).toBe('zo');
    fc.assert(
      fc.property(fc.string(), (text) => {
        const once = normaliseTerm(text);
        expect(normaliseTerm(once)).toBe(once);
        expect(normaliseTerm(text.toUpperCase())).toBe(normaliseTerm(text.toLowerCase()));
      }),
    );
  });
});

describe('Rules: If-Match and self-service', () => {
  it('reads a version in the plain, quoted and weak forms', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('')).toBeUndefined();
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch('"12"')).toBe(12);
    expect(parseIfMatch('W/"7"')).toBe(7);
    for (const bad of ['0', '-1', 'abc', '*', '1.5', '"3', '3 4']) expect(parseIfMatch(bad)).toBeNull();
  });

  it('lets a customer change name, phone and consent, not their email', () => {
    expect(fieldsNotSelfEditable({ name: 'A', phone: null, marketingConsent: { sms: true } })).toEqual([]);
    expect(fieldsNotSelfEditable({ email: 'new@example.com', name: 'A' })).toEqual(['email']);
    expect(fieldsNotSelfEditable({ email: undefined })).toEqual([]);
  });

  it('keeps notes internal by default and summarises long bodies', () => {
    expect(defaultInternal('note')).toBe(true);
    for (const kind of ['call', 'email', 'meeting'] as const) expect(defaultInternal(kind)).toBe(false);
    expect(summarise('a\n  b')).toBe('a b');
    expect(summarise('x'.repeat(500))).toHaveLength(SUMMARY_CHARS);
  });
});

describe('Contract: customers', () => {
  const valid = { email: 'ada@example.com', name: 'Ada Lovelace' };

  it('accepts a valid create and refuses unknown fields, invalid emails and oversized fields', () => {
    expect(CreateCustomerInput.safeParse({ ...valid, marketingConsent: { email: true } }).success).toBe(true);
    for (const bad of [
      { ...valid, admin: true },
      { ...valid, email: 'not-an-email' },
      { ...valid, email: `${'a'.repeat(250)}@example.com` },
      { ...valid, name: 'n'.repeat(201) },
      { ...valid, name: '   ' },
      { ...valid, phone: 'call me' },
      { ...valid, marketingConsent: { post: true } },
      { name: 'No email' },
    ]) {
      expect(CreateCustomerInput.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(false);
    }
  });

  it('needs at least one field to change and allows removing the phone', () => {
    expect(UpdateCustomerInput.safeParse({}).success).toBe(false);
    expect(UpdateCustomerInput.safeParse({ phone: null }).success).toBe(true);
    expect(UpdateCustomerInput.safeParse({ version: 2 }).success).toBe(false);
  });

  it('allows call details on calls only', () => {
    expect(
      InteractionInput.safeParse({ kind: 'call', body: 'x', direction: 'inbound', durationSeconds: 5 })
        .success,
    ).toBe(true);
    expect(InteractionInput.safeParse({ kind: 'note', body: 'x', direction: 'inbound' }).success).toBe(false);
    expect(InteractionInput.safeParse({ kind: 'note', body: 'x'.repeat(10_001) }).success).toBe(false);
    expect(InteractionInput.safeParse({ kind: 'fax', body: 'x' }).success).toBe(false);
  });
});
