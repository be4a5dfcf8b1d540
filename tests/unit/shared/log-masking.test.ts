/**
 * PII never reaches the logs in clear: an order with an email and an address, a customer record and
 * a webhook payload, logged through the real logger (its stdout captured), keep none of their
 * personal values, nested or inside errors; the keys operators need stay readable.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MASK, maskText, maskValue } from '#shared/log-masking.ts';
import { logger } from '#shared/observability.ts';
import { sampleEvent } from '../../support/backbone.ts';

let lines: string[] = [];

beforeEach(() => {
  lines = [];
  logger.setLogLevel('INFO');
  // Powertools writes INFO lines to stdout and WARN/ERROR lines to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

/** The one JSON line the logger printed. */
function printed(): { text: string; item: Record<string, unknown> } {
  const text = lines.join('');
  expect(text.trim().split('\n')).toHaveLength(1);
  return { text, item: JSON.parse(text) as Record<string, unknown> };
}

const EMAIL = 'ada.lovelace@example.org';
const PHONE = '+44 20 7946 0958';

describe('masking log formatter', () => {
  it('masks an order’s email, address and contact name, nested, and keeps its ids and amounts', () => {
    // Prepare
    const placed = sampleEvent('OrderPlaced');
    const order = {
      ...placed.data,
      contactEmail: EMAIL,
      shippingAddress: {
        name: 'Ada Lovelace',
        line1: '12 St James Square',
        city: 'London',
        postalCode: 'SW1Y 4JH',
        country: 'GB',
      },
    };

    // Act
    logger.info(`order placed for ${EMAIL}`, { order });

    // Assess
    const { text, item } = printed();
    for (const secret of [EMAIL, 'Ada Lovelace', '12 St James Square', 'London', 'SW1Y 4JH']) {
      expect(text).not.toContain(secret);
    }
    const logged = item.order as Record<string, unknown>;
    expect(logged.orderId).toBe(placed.data.orderId);
    expect(logged.total).toBe(placed.data.total);
    expect(logged.shippingAddress).toBe(MASK);
    expect(item.message).toBe(`order placed for ${MASK}`);
    expect(item.service).toBeTypeOf('string');
  });

  it('masks a customer record: names, email, phone, notes and an address array', () => {
    // Prepare
    const customer = {
      id: '01JQ8Z4R7D3K5M7P9Q1S3T5V7X',
      givenName: 'Grace',
      familyName: 'Hopper',
      email: 'grace@navy.example',
      phone: PHONE,
      notes: 'Prefers calls after 6pm; lives near the harbour',
      addresses: [{ line1: '1 Harbour Road', line2: 'Flat 3', city: 'Arlington', postalCode: '22201' }],
      marketingConsent: { email: { granted: true } },
    };

    // Act
    logger.info('customer updated', { customer });

    // Assess
    const { text, item } = printed();
    for (const secret of [
      'Grace',
      'Hopper',
      'grace@navy.example',
      PHONE,
      'harbour',
      '1 Harbour Road',
      'Flat 3',
      'Arlington',
      '22201',
    ]) {
      expect(text).not.toContain(secret);
    }
    const logged = item.customer as {
      id: string;
      addresses: Record<string, unknown>[];
      marketingConsent: unknown;
    };
    expect(logged.id).toBe(customer.id);
    expect(logged.addresses[0]).toEqual({ line1: MASK, line2: MASK, city: MASK, postalCode: MASK });
    expect(logged.marketingConsent).toEqual(customer.marketingConsent);
  });

  it('masks a webhook payload and an error whose message and properties carry PII', () => {
    // Prepare
    const payload = {
      id: 'evt_123',
      type: 'contact.updated',
      data: {
        contact: { email: 'x@y.example', firstName: 'Alan', lastName: 'Turing', mobile: '+1 (555) 010-9999' },
      },
    };
    const error = Object.assign(
      new Error(`no customer with email ${'x@y.example'} or phone (555) 010-9999`),
      {
        payload,
      },
    );

    // Act
    logger.error('webhook not applied', { error, payload, note: 'called back by Alan' });

    // Assess
    const { text, item } = printed();
    for (const secret of ['x@y.example', 'Alan', 'Turing', '555) 010-9999', '555 010-9999']) {
      expect(text).not.toContain(secret);
    }
    const loggedError = item.error as Record<string, unknown>;
    expect(loggedError.name).toBe('Error');
    expect(String(loggedError.message)).toContain('no customer with email');
    expect(item.note).toBe(MASK);
    expect((item.payload as { id: string }).id).toBe('evt_123');
  });

  it('keeps the correlation id, timestamps and numeric ids unmasked', () => {
    // Prepare
    logger.setCorrelationId('req-2026-11-23T10:00:00Z');

    // Act
    logger.info('stream batch', { sequenceNumber: '000000000000000012345', at: '2026-11-23T10:00:00.000Z' });

    // Assess
    const { item } = printed();
    expect(item.correlation_id).toBe('req-2026-11-23T10:00:00Z');
    expect(item.sequenceNumber).toBe('000000000000000012345');
    expect(item.at).toBe('2026-11-23T10:00:00.000Z');
    logger.removeKeys(['correlation_id']);
  });
});

describe('maskText and maskValue', () => {
  it('masks emails and international or bracketed phone numbers in text', () => {
    expect(maskText('mail a.b+c@d-e.co.uk now')).toBe(`mail ${MASK} now`);
    expect(maskText('call +33 1 23 45 67 89 or (020) 7946 0958')).toBe(`call ${MASK} or ${MASK}`);
    expect(maskText('order 01JQ8Z4R7D3K5M7P9Q1S3T5V7X of 4848 EUR')).toBe(
      'order 01JQ8Z4R7D3K5M7P9Q1S3T5V7X of 4848 EUR',
    );
  });

  it('survives cycles and keeps an error’s class name', () => {
    const cyclic: Record<string, unknown> = { email: 'a@b.example' };
    cyclic.self = cyclic;
    expect(maskValue(cyclic)).toEqual({ email: MASK, self: '[Circular]' });
    const masked = maskValue(new TypeError('bad a@b.example')) as Record<string, unknown>;
    expect(masked.name).toBe('TypeError');
    expect(masked.message).toBe(`bad ${MASK}`);
  });
});
