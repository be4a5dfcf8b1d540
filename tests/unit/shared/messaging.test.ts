/**
 * The messaging client's pure helpers: SES tag values SES accepts, the category tag, E.164
 * numbers, and what a failed send means for a retry.
 */
import { describe, expect, it } from 'vitest';
import { classifySendError, e164, emailTags, sesTagValue } from '#shared/messaging.ts';

const providerError = (name: string, status?: number) =>
  Object.assign(new Error(name), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });

describe('Messaging helpers', () => {
  it('keeps SES tag values to the characters SES accepts', () => {
    expect(sesTagValue('01JQ8A1B2C3D4E5F6G7H8J9K0N')).toBe('01JQ8A1B2C3D4E5F6G7H8J9K0N');
    expect(sesTagValue('INV-2026-000042')).toBe('INV-2026-000042');
    expect(sesTagValue('ada@example.com')).toBe('ada_example_com');
    expect(sesTagValue('')).toBe('_');
    expect(sesTagValue('x'.repeat(300))).toHaveLength(256);
  });

  it('tags every email with its category, which a caller’s tag cannot override', () => {
    expect(emailTags('marketing', { campaignId: 'c 1', category: 'transactional' })).toEqual([
      { Name: 'category', Value: 'marketing' },
      { Name: 'campaignId', Value: 'c_1' },
    ]);
  });

  it('writes phone numbers as E.164, or refuses them', () => {
    expect(e164('+44 20 7946 0958')).toBe('+442079460958');
    expect(e164('+1 (555) 010-9999')).toBe('+15550109999');
    expect(e164('020 7946 0958')).toBeUndefined();
    expect(e164('+0 123456789')).toBeUndefined();
    expect(e164('+12')).toBeUndefined();
  });

  it('tells throttling, refusals and unknown outcomes apart', () => {
    expect(classifySendError(providerError('TooManyRequestsException', 429))).toBe('throttled');
    expect(classifySendError(providerError('Throttling', 400))).toBe('throttled');
    expect(classifySendError(providerError('MessageRejected', 400))).toBe('refused');
    expect(classifySendError(providerError('InvalidParameterException', 400))).toBe('refused');
    expect(classifySendError(providerError('InternalFailure', 500))).toBe('unknown');
    expect(classifySendError(providerError('TimeoutError'))).toBe('unknown');
    expect(classifySendError(undefined)).toBe('unknown');
  });
});
