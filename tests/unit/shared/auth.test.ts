import { describe, expect, it } from 'vitest';
import { parseGroups, principalFromClaims } from '#shared/auth.ts';

describe('Function: parseGroups', () => {
  it('reads API Gateway’s flattened form `[staff admin]`', () => {
    expect(parseGroups('[staff admin]')).toEqual(['staff', 'admin']);
  });
  it('reads a real array, a JSON array string, and a single group', () => {
    expect(parseGroups(['staff'])).toEqual(['staff']);
    expect(parseGroups('["staff","ops"]')).toEqual(['staff', 'ops']);
    expect(parseGroups('staff')).toEqual(['staff']);
  });
  it('treats empty and missing values as no groups', () => {
    expect(parseGroups('[]')).toEqual([]);
    expect(parseGroups('')).toEqual([]);
    expect(parseGroups(undefined)).toEqual([]);
    expect(parseGroups(42)).toEqual([]);
  });
});

describe('Function: principalFromClaims', () => {
  it('makes a staff principal only when the groups include staff', () => {
    expect(principalFromClaims({ sub: 'u1', 'cognito:groups': '[staff]' })).toEqual({
      sub: 'u1',
      groups: ['staff'],
      isStaff: true,
    });
    expect(principalFromClaims({ sub: 'u2', 'cognito:groups': '[staffers]' })?.isStaff).toBe(false);
    expect(principalFromClaims({ sub: 'u3' })?.isStaff).toBe(false);
  });
  it('returns undefined without a subject', () => {
    expect(principalFromClaims(undefined)).toBeUndefined();
    expect(principalFromClaims({ sub: '' })).toBeUndefined();
  });
});
