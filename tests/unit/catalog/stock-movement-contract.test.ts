import { describe, expect, it } from 'vitest';
import { StockMovementInput } from '#functions/catalog/contract.ts';

describe('Schema: StockMovementInput', () => {
  it.each([
    [{ quantity: 5, reason: 'receipt' }, true],
    [{ quantity: -5, reason: 'adjustment', note: 'broken in transit' }, true],
    [{ quantity: -1, reason: 'count' }, true],
    [{ quantity: 0, reason: 'count' }, false],
    [{ quantity: -5, reason: 'receipt' }, false],
    [{ quantity: 1.5, reason: 'adjustment' }, false],
    [{ quantity: 1, reason: 'theft' }, false],
    [{ quantity: 1, reason: 'receipt', extra: true }, false],
  ])('%j → valid: %s', (body, valid) => {
    expect(StockMovementInput.safeParse(body).success).toBe(valid);
  });
});
