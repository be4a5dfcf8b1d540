/**
 * The principal behind a request, read from the JWT authorizer's claims.
 *
 * API Gateway (HTTP API, JWT authorizer) flattens array claims: `cognito:groups` arrives as the
 * string `[staff admin]`. Tokens minted by other issuers may carry a real array or a JSON string.
 * All three shapes are accepted so handler code is identical in AWS and locally.
 */
export interface Principal {
  /** The token's `sub`. For a customer this is also their customer id. */
  readonly sub: string;
  readonly groups: readonly string[];
  readonly isStaff: boolean;
}

export const STAFF_GROUP = 'staff';

export function parseGroups(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((g): g is string => typeof g === 'string' && g.length > 0);
  if (typeof raw !== 'string') return [];
  const text = raw.trim();
  if (text === '') return [];
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1).trim();
    if (inner.startsWith('"')) {
      try {
        return parseGroups(JSON.parse(text));
      } catch {
        // not JSON after all: fall through to API Gateway's space-separated form
      }
    }
    return inner.split(/[\s,]+/).filter((g) => g.length > 0);
  }
  return text.split(/[\s,]+/).filter((g) => g.length > 0);
}

export function principalFromClaims(
  claims: Readonly<Record<string, unknown>> | undefined,
): Principal | undefined {
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) return undefined;
  const groups = parseGroups(claims?.['cognito:groups']);
  return { sub, groups, isStaff: groups.includes(STAFF_GROUP) };
}

/**
 * Ownership, the one pattern every context's domain applies to customer data: staff may see
 * everything; a customer only what they own. Domain read functions take the principal
 * (`getOrderFor(principal, id)`) and use these, so no handler has to remember the check.
 */
export const mayAccess = (principal: Principal, ownerId: string): boolean =>
  principal.isStaff || principal.sub === ownerId;
