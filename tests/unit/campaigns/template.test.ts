/**
 * Campaign templates and recipients: placeholders checked at creation (unknown ones and a coupon
 * placeholder without a coupon refused), rendering fills every known placeholder in one pass (a
 * value is never read as a placeholder), and who gets a message on which channel: consent now,
 * an address to send to, opted out versus never asked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PLACEHOLDERS,
  placeholdersOf,
  renderTemplate,
  templateProblems,
  templateValues,
} from '#functions/campaigns/template.ts';
import type { Customer } from '#functions/customers/rules.ts';

// sending.ts reads TABLE_NAME at load through the table client (no I/O happens here).
process.env.TABLE_NAME ??= 'campaigns-unit-test';
const { recipientOf, messageFor } = await import('#functions/campaigns/sending.ts');

const customer = (over: Partial<Customer> = {}): Customer => ({
  id: 'c-1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+44 20 7946 0958',
  marketingConsent: {
    email: { granted: true, changedAt: '2026-01-01T00:00:00.000Z' },
    sms: { granted: false },
  },
  version: 1,
  origin: 'staff',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'staff-1',
  ...over,
});

describe('Campaign templates', () => {
  it('lists the placeholders a text uses, spaces inside the braces allowed', () => {
    expect(placeholdersOf('Hi {{name}}, {{ couponCode }} and {{name}} {{bogus}}')).toEqual([
      'name',
      'couponCode',
      'bogus',
    ]);
  });

  it('refuses unknown placeholders and {{couponCode}} without a coupon code', () => {
    expect(
      templateProblems('Hi {{name}} {{email}} {{phone}} {{firstName}}', { hasCouponCode: false }),
    ).toEqual([]);
    expect(templateProblems('Hi {{nmae}}', { hasCouponCode: false })).toEqual([
      expect.stringContaining('Unknown placeholder {{nmae}}'),
    ]);
    expect(templateProblems('Use {{couponCode}}', { hasCouponCode: false })).toEqual([
      expect.stringContaining('needs the campaign’s couponCode'),
    ]);
    expect(templateProblems('Use {{couponCode}}', { hasCouponCode: true })).toEqual([]);
  });

  it('renders every known placeholder with the customer’s values', () => {
    const text = renderTemplate(
      'Dear {{firstName}} ({{name}}, {{email}}): code {{couponCode}}',
      templateValues(customer(), 'SPRING20'),
    );
    expect(text).toBe('Dear Ada (Ada Lovelace, ada@example.com): code SPRING20');
  });

  it('never reads a value as a placeholder (one pass), whatever the name', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const values = templateValues({ name: `${name}{{email}}` }, undefined);
        expect(renderTemplate('{{name}}', values)).toBe(`${name}{{email}}`);
      }),
    );
  });

  it('leaves a text without placeholders unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('{{')),
        (text) => {
          expect(renderTemplate(text, templateValues(customer(), 'X'))).toBe(text);
          expect(templateProblems(text, { hasCouponCode: false })).toEqual([]);
        },
      ),
    );
  });

  it('documents every placeholder', () => {
    expect(Object.keys(PLACEHOLDERS).sort()).toEqual(['couponCode', 'email', 'firstName', 'name', 'phone']);
  });
});

describe('Campaign recipients', () => {
  it('sends email to a consenting customer with an address, SMS to an E.164 number', () => {
    expect(recipientOf(customer(), 'email')).toMatchObject({ to: 'ada@example.com' });
    const sms = customer({
      marketingConsent: {
        email: { granted: false },
        sms: { granted: true, changedAt: '2026-01-02T00:00:00Z' },
      },
    });
    expect(recipientOf(sms, 'sms')).toMatchObject({ to: '+442079460958' });
  });

  it('suppresses: never asked → noConsent, declined or withdrew → optedOut, nowhere to send → noAddress', () => {
    expect(recipientOf(customer(), 'sms')).toEqual({ suppressed: 'noConsent' });
    const withdrew = customer({
      marketingConsent: {
        email: { granted: false, changedAt: '2026-02-01T00:00:00Z' },
        sms: { granted: false },
      },
    });
    expect(recipientOf(withdrew, 'email')).toEqual({ suppressed: 'optedOut' });
    const { email: _email, ...noEmail } = customer();
    expect(recipientOf(noEmail, 'email')).toEqual({ suppressed: 'noAddress' });
    const badPhone = customer({
      phone: '020 7946 0958',
      marketingConsent: {
        email: { granted: false },
        sms: { granted: true, changedAt: '2026-01-02T00:00:00Z' },
      },
    });
    expect(recipientOf(badPhone, 'sms')).toEqual({ suppressed: 'noAddress' });
    expect(recipientOf(undefined, 'email')).toEqual({ suppressed: 'noConsent' });
  });

  it('renders the message as marketing, tagged with the campaign and customer', () => {
    const message = messageFor(
      {
        id: 'CAMP1',
        name: 'Spring',
        channel: 'email',
        segmentId: 'seg',
        subject: 'Hi {{firstName}}',
        template: 'Code {{couponCode}}',
        couponCode: 'SPRING20',
        sendAt: '2026-04-01T08:00:00.000Z',
        status: 'SENDING',
        page: 0,
        counts: {
          members: 0,
          sent: 0,
          failed: 0,
          unconfirmed: 0,
          suppressed: { noConsent: 0, optedOut: 0, noAddress: 0 },
        },
        createdAt: '2026-03-01T00:00:00.000Z',
        createdBy: 'staff-1',
        updatedAt: '2026-03-01T00:00:00.000Z',
      },
      customer(),
      'ada@example.com',
    );
    expect(message).toMatchObject({
      channel: 'email',
      to: 'ada@example.com',
      subject: 'Hi Ada',
      text: 'Code SPRING20',
      category: 'marketing',
      tags: { kind: 'campaign', campaignId: 'CAMP1', customerId: 'c-1' },
    });
  });
});
