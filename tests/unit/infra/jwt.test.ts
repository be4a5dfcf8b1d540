import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { flattenClaims, LOCAL_AUDIENCE, LOCAL_ISSUER, localIssuer, scopesOf } from '#infra/local/jwt.ts';
import { API_SCOPE } from '#infra/topology/access.ts';

describe('Function: localIssuer', () => {
  const issuer = localIssuer('unit-secret');

  it('verifies the tokens it mints, with subject and groups', async () => {
    const claims = await issuer.verify(await issuer.mint({ sub: 'alice', groups: ['staff'] }));
    expect(claims).toMatchObject({
      sub: 'alice',
      'cognito:groups': ['staff'],
      iss: LOCAL_ISSUER,
      aud: LOCAL_AUDIENCE,
    });
  });

  it('rejects forged, foreign, expired and garbage tokens', async () => {
    const forged = await localIssuer('other-secret').mint({ sub: 'mallory', groups: ['staff'] });
    expect(await issuer.verify(forged)).toBeUndefined();
    const key = new TextEncoder().encode('unit-secret');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(key);
    expect(await issuer.verify(expired)).toBeUndefined();
    const wrongAudience = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience('someone-else')
      .setExpirationTime('1h')
      .sign(key);
    expect(await issuer.verify(wrongAudience)).toBeUndefined();
    expect(await issuer.verify('not.a.token')).toBeUndefined();
  });
});

describe('Function: flattenClaims', () => {
  it('flattens arrays the way API Gateway does', () => {
    expect(flattenClaims({ sub: 'a', 'cognito:groups': ['staff', 'admin'], exp: 5 })).toEqual({
      sub: 'a',
      'cognito:groups': '[staff admin]',
      exp: '5',
    });
  });
});

describe('Function: scopesOf', () => {
  it(`reads the space-separated scope claim; minted tokens carry ${API_SCOPE}`, async () => {
    expect(scopesOf({ scope: `openid ${API_SCOPE}` })).toEqual(['openid', API_SCOPE]);
    expect(scopesOf({})).toEqual([]);
    expect(scopesOf({ scope: [API_SCOPE] })).toEqual([]);
    const issuer = localIssuer('unit-secret');
    expect(scopesOf((await issuer.verify(await issuer.mint({ sub: 'alice' })))!)).toEqual([API_SCOPE]);
  });
});
