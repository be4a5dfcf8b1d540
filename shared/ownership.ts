/**
 * Ownership checks with their answers: another customer's resource is "not found" (its existence
 * is not theirs to learn); a list of another customer's resources is forbidden (the caller named
 * the owner, so nothing leaks). See `mayAccess` in `./auth.ts`.
 */
import { mayAccess, type Principal } from './auth.ts';
import { AppError, notFound } from './errors.ts';

/** The resource when the principal may see it; 404 `NOT_FOUND` when it is missing or not theirs. */
export function visibleTo<T>(
  principal: Principal,
  resource: T | undefined,
  ownerOf: (resource: T) => string,
  what: string,
): T {
  if (resource === undefined || !mayAccess(principal, ownerOf(resource))) throw notFound(what);
  return resource;
}

/**
 * Whose resources a list is for: a customer's own (naming anyone else is 403 `FORBIDDEN`); staff
 * must name the owner (400 `VALIDATION_FAILED` at `query.<field>`).
 */
export function listOwner(
  principal: Principal,
  requested: string | undefined,
  field: string,
  what: string,
): string {
  const owner = requested ?? (principal.isStaff ? undefined : principal.sub);
  if (owner === undefined) {
    throw new AppError('VALIDATION_FAILED', `query.${field}: Required for staff`, {
      errors: [{ path: `query.${field}`, message: 'Required for staff' }],
    });
  }
  if (!mayAccess(principal, owner)) {
    throw new AppError('FORBIDDEN', `Customers may list only their own ${what}`);
  }
  return owner;
}
