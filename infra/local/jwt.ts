/**
 * Local stand-in for the Cognito user pool: mints HS256 JWTs and verifies them the way API
 * Gateway's JWT authorizer does (signature, issuer, audience, a required expiry, a subject).
 * Local only.
 */
import { jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import { API_SCOPE } from '#infra/topology/access.ts';

export const LOCAL_ISSUER = 'storeline-local';
export const LOCAL_AUDIENCE = 'storeline';

export const TokenRequest = z.strictObject({
  sub: z.string().min(1).max(128),
  groups: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
    .max(20)
    .optional(),
  expiresInSeconds: z
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .optional(),
});
export type TokenRequest = z.infer<typeof TokenRequest>;

export interface LocalIssuer {
  mint(request: TokenRequest): Promise<string>;
  /** The verified claims, or undefined for a missing, malformed, forged or expired token. */
  verify(token: string): Promise<Record<string, unknown> | undefined>;
}

export function localIssuer(secret: string): LocalIssuer {
  const key = new TextEncoder().encode(secret);
  return {
    async mint({ sub, groups = [], expiresInSeconds = 12 * 3600 }) {
      return new SignJWT({ 'cognito:groups': groups, token_use: 'access', scope: API_SCOPE })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${expiresInSeconds}s`)
        .sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: LOCAL_ISSUER,
          audience: LOCAL_AUDIENCE,
          algorithms: ['HS256'],
          // API Gateway's JWT authorizer refuses a token without `exp` (jose checks it only when
          // present); `sub` too, since every handler takes the principal from it.
          requiredClaims: ['exp', 'sub'],
        });
        return payload as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * API Gateway hands claims to the integration as strings; arrays become `[a b]`.
 * The local gateway does the same so handlers meet the shape they meet in AWS.
 */
export function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (Array.isArray(value)) out[name] = `[${value.map(String).join(' ')}]`;
    else if (value !== null && typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

/** The OAuth scopes of a token's `scope` claim (space-separated, as Cognito writes it). */
export function scopesOf(claims: Record<string, unknown>): string[] {
  const scope = claims.scope;
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s.length > 0) : [];
}
