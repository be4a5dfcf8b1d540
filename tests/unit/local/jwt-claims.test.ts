import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, localIssuer } from '#infra/local/jwt.ts';

describe('Function: localIssuer.verify (required claims)', () => {
  const secret = 'unit-secret';
  const issuer = localIssuer(secret);
  const key = new TextEncoder().encode(secret);
  const signed = () =>
    new SignJWT({ 'cognito:groups': ['staff'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE);

  it('refuses a token without exp, as the HTTP API JWT authorizer does', async () => {
    // Prepare
    const token = await signed().setSubject('alice').sign(key);
    // Act
    const claims = await issuer.verify(token);
    // Assess
    expect(claims).toBeUndefined();
  });

  it('refuses a token without sub', async () => {
    const token = await signed().setExpirationTime('1h').sign(key);
    expect(await issuer.verify(token)).toBeUndefined();
  });

  it('accepts the same token with both', async () => {
    const token = await signed().setSubject('alice').setExpirationTime('1h').sign(key);
    expect(await issuer.verify(token)).toMatchObject({ sub: 'alice', exp: expect.any(Number) });
  });

  it('mints tokens that carry exp and sub', async () => {
    const claims = await issuer.verify(await issuer.mint({ sub: 'bob' }));
    expect(claims).toMatchObject({ sub: 'bob', exp: expect.any(Number) });
  });
});
