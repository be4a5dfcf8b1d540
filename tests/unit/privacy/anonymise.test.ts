/** The anonymisation rules: nothing that names, reaches or locates the person survives; ids do. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  anonymiseAddress,
  anonymiseCustomer,
  ERASED_NAME,
  mentions,
} from '#functions/customers/anonymise.ts';
import type { Customer } from '#functions/customers/rules.ts';

const at = '2026-03-02T10:00:00.000Z';
const customer = (over: Partial<Customer> = {}): Customer => ({
  id: 'c-1',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  phone: '+44 20 7946 0958',
  marketingConsent: { email: { granted: true }, sms: { granted: true } },
  version: 3,
  origin: 'staff',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'staff-1',
  requestHash: 'abc',
  ...over,
});

describe('anonymiseCustomer', () => {
  it('drops every identifier, withdraws consent and keeps the id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 3 }), fc.emailAddress(), (name, email) => {
        const erased = anonymiseCustomer(customer({ name, email }), at);
        expect(erased).toMatchObject({
          id: 'c-1',
          name: ERASED_NAME,
          erasedAt: at,
          version: 4,
          eReceipts: false,
        });
        expect(erased.email).toBeUndefined();
        expect(erased.phone).toBeUndefined();
        expect(erased.requestHash).toBeUndefined();
        expect(erased.marketingConsent.email.granted || erased.marketingConsent.sms.granted).toBe(false);
        expect(mentions(JSON.stringify(erased), [email, '7946'])).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('is idempotent: an erased customer is returned unchanged', () => {
    const once = anonymiseCustomer(customer(), at);
    expect(anonymiseCustomer(once, '2026-04-01T00:00:00.000Z')).toBe(once);
  });
});

describe('anonymiseAddress', () => {
  it('erases every line but the country', () => {
    const erased = anonymiseAddress({
      name: 'Ada Lovelace',
      line1: '1 Main St',
      line2: 'Flat 2',
      city: 'London',
      postalCode: 'N1 9GU',
      country: 'GB',
    });
    expect(erased.country).toBe('GB');
    expect(mentions(JSON.stringify(erased), ['Ada', 'Main St', 'Flat 2', 'London', 'N1 9GU'])).toBe(false);
  });

  it('adds no line2 where there was none', () => {
    const erased = anonymiseAddress({ name: 'A', line1: 'x', city: 'y', postalCode: 'z', country: 'FR' });
    expect('line2' in erased).toBe(false);
  });
});
