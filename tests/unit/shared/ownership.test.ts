import { describe, expect, it } from 'vitest';
import type { Principal } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';
import { listOwner, visibleTo } from '#shared/ownership.ts';

const customer = (sub: string): Principal => ({ sub, groups: [], isStaff: false });
const staff: Principal = { sub: 'agent-1', groups: ['staff'], isStaff: true };
const order = { id: 'o-1', customerId: 'alice' };
const owner = (o: typeof order) => o.customerId;

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
  return undefined;
};

describe('Function: visibleTo', () => {
  it('gives the owner and staff the resource', () => {
    expect(visibleTo(customer('alice'), order, owner, 'Order o-1')).toBe(order);
    expect(visibleTo(staff, order, owner, 'Order o-1')).toBe(order);
  });

  it('answers NOT_FOUND for another customer’s resource, exactly as for a missing one', () => {
    expect(codeOf(() => visibleTo(customer('bob'), order, owner, 'Order o-1'))).toBe('NOT_FOUND');
    expect(codeOf(() => visibleTo(customer('alice'), undefined, owner, 'Order o-1'))).toBe('NOT_FOUND');
  });
});

describe('Function: listOwner', () => {
  it('lists a customer’s own resources whether or not they name themselves', () => {
    expect(listOwner(customer('alice'), undefined, 'customerId', 'orders')).toBe('alice');
    expect(listOwner(customer('alice'), 'alice', 'customerId', 'orders')).toBe('alice');
  });

  it('forbids a customer another customer’s list, and makes staff name the owner', () => {
    expect(codeOf(() => listOwner(customer('alice'), 'bob', 'customerId', 'orders'))).toBe('FORBIDDEN');
    expect(codeOf(() => listOwner(staff, undefined, 'customerId', 'orders'))).toBe('VALIDATION_FAILED');
    expect(listOwner(staff, 'bob', 'customerId', 'orders')).toBe('bob');
  });
});
