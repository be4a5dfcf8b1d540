import { describe, expect, it } from 'vitest';
import { InvocationError, MAX_SYNC_PAYLOAD_BYTES, payloadTooLarge } from '#infra/local/functions.ts';

/** A JSON string event of exactly `bytes` bytes once serialised (two quotes around the letters). */
const eventOf = (bytes: number) => 'A'.repeat(bytes - 2);

describe('Function: payloadTooLarge', () => {
  it('lets an event just under Lambda’s synchronous limit through', () => {
    expect(payloadTooLarge('fn', eventOf(MAX_SYNC_PAYLOAD_BYTES - 1))).toBeUndefined();
  });

  it('refuses an event of 6291456 bytes or more the way Lambda’s Invoke does', () => {
    // Act
    const error = payloadTooLarge('fn', eventOf(MAX_SYNC_PAYLOAD_BYTES));
    // Assess
    expect(error).toBeInstanceOf(InvocationError);
    expect(error?.functionName).toBe('fn');
    expect(error?.message).toMatch(/^RequestEntityTooLargeException: .*smaller than 6291456 bytes/);
  });

  it('counts the serialised event, so multi-byte characters count as their UTF-8 bytes', () => {
    const event = { body: 'é'.repeat(3_200_000) };
    expect(JSON.stringify(event).length).toBeLessThan(MAX_SYNC_PAYLOAD_BYTES);
    expect(payloadTooLarge('fn', event)).toBeInstanceOf(InvocationError);
  });
});
