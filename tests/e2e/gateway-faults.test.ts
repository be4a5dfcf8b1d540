/**
 * Faults found by testers from outside (issue 9), each checked the way they found it: over HTTP,
 * against the shared local runtime, with clients nobody here wrote (node:http's keep-alive agent,
 * raw sockets).
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '#infra/local/jwt.ts';
import { DEFAULT_JWT_SECRET } from '#infra/local/runtime.ts';
import { API_SCOPE } from '#infra/topology/access.ts';

const baseUrl = inject('baseUrl');
const api = apiClient(baseUrl);
const MiB = 1024 * 1024;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Whether the request went out on a socket the agent had already used. */
  reusedSocket: boolean;
}

/** One request through node:http with the given agent (fetch hides which socket it used). */
function send(
  agent: Agent,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      url,
      {
        agent,
        method,
        headers: {
          ...headers,
          ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('Local gateway: malformed percent-encoding in the path', () => {
  it.each(['/products/%ZZ', '/products/%E0%A4%A', '/products/abc%'])(
    'GET %s answers 400 problem+json, with or without a token',
    async (path) => {
      const token = await api.token(uniqueId('pct'), ['staff']);
      for (const options of [{}, { token }]) {
        const res = await api.request('GET', path, options);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      }
    },
  );

  it('still decodes well-formed escapes into path parameters', async () => {
    const token = await api.token(uniqueId('pct'), ['staff']);
    // %2D is "-": the handler sees the decoded sku, finds nothing, and says so.
    const res = await api.request('GET', `/products/${encodeURIComponent('NO-SUCH')}%2D1`, { token });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('Local gateway: a refused oversized body leaves the client working', () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  afterAll(() => agent.destroy());

  it('answers 413 to an 11 MiB body, then serves the next request on the same keep-alive agent', async () => {
    const huge = Buffer.alloc(11 * MiB, 'a');
    const warm = await send(agent, 'GET', '/health');
    expect(warm.status).toBe(200);

    const refused = await send(agent, 'POST', '/orders', huge);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Request Entity Too Large' });

    const next = await send(agent, 'GET', '/health');
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body)).toEqual({ status: 'ok' });
  });

  it('refuses a declared oversized body before it is sent when the client asks first (Expect: 100-continue)', async () => {
    const res = await new Promise<number>((resolvePromise, reject) => {
      const req = httpRequest(new URL('/orders', baseUrl), {
        method: 'POST',
        headers: { expect: '100-continue', 'content-length': String(11 * MiB) },
      });
      req.on('continue', () => reject(new Error('the gateway asked for a body it will refuse')));
      req.on('response', (r) => {
        r.resume();
        resolvePromise(r.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(res).toBe(413);
  });
});

describe('Local gateway: the JWT authorizer’s required claims', () => {
  const key = new TextEncoder().encode(DEFAULT_JWT_SECRET);
  const base = () =>
    new SignJWT({ 'cognito:groups': ['staff'], scope: API_SCOPE })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt();

  it('refuses a correctly signed token without exp', async () => {
    const token = await base().setSubject('no-exp').sign(key);
    const res = await api.request('GET', '/products/ANY', { token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses a correctly signed token without sub', async () => {
    const token = await base().setExpirationTime('1h').sign(key);
    const res = await api.request('GET', '/products/ANY', { token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it(`refuses a correctly signed, unexpired token without the ${API_SCOPE} scope with 403, as the routes' authorizationScopes do`, async () => {
    const unscoped = (claims: Record<string, unknown>) =>
      new SignJWT({ 'cognito:groups': ['staff'], ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setSubject(uniqueId('unscoped'))
        .setExpirationTime('1h')
        .sign(key);
    // No scope (an ID token), Cognito's SRP-only scope, a look-alike, a non-string claim.
    for (const claims of [
      {},
      { scope: 'aws.cognito.signin.user.admin' },
      { scope: `${API_SCOPE}x openid` },
      { scope: [API_SCOPE] },
    ]) {
      const res = await api.request('GET', '/products/ANY', { token: await unscoped(claims) });
      expect(res.status, JSON.stringify(claims)).toBe(403);
      expect(res.body, JSON.stringify(claims)).toMatchObject({ code: 'FORBIDDEN' });
    }
    // The scope among others is enough.
    const scoped = await unscoped({ scope: `openid ${API_SCOPE}` });
    expect((await api.request('GET', `/products/${uniqueId('SCOPE')}`, { token: scoped })).status).toBe(404);
  });

  it('accepts the same token with both, and POST /_local/token mints tokens that carry exp', async () => {
    const signed = await base().setSubject('has-both').setExpirationTime('1h').sign(key);
    expect((await api.request('GET', `/products/${uniqueId('JWT')}`, { token: signed })).status).toBe(404);
    const minted = await api.token(uniqueId('jwt'));
    const payload = JSON.parse(Buffer.from(minted.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(payload).toMatchObject({ sub: expect.any(String), exp: expect.any(Number) });
  });
});

describe('Local gateway: Lambda’s 6 MB synchronous invocation limit', () => {
  it('answers a 7 MB body the way an HTTP API does when the Lambda invoke is refused', async () => {
    const token = await api.token(uniqueId('big'), ['staff']);
    const sku = uniqueId('BIG');
    const res = await api.request('PUT', `/products/${sku}`, {
      token,
      body: { name: 'x'.repeat(7_000_000), price: 100, currency: 'EUR' },
    });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ message: 'Internal Server Error' });
  });

  it('still hands a 5 MB body to the function, whose own body limit answers', async () => {
    const token = await api.token(uniqueId('big'), ['staff']);
    const res = await api.request('PUT', `/products/${uniqueId('BIG')}`, {
      token,
      body: { name: 'x'.repeat(5_000_000), price: 100, currency: 'EUR' },
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('Local runtime: DynamoDB Local is reachable from this machine only', () => {
  const endpoint = new URL(inject('dynamoDbEndpointE2e'));
  const port = Number(endpoint.port);

  /** Resolves with the connect error code, or 'connected'. Only this machine's own addresses. */
  const probe = (host: string) =>
    new Promise<string>((resolvePromise) => {
      const socket = connect({ host, port });
      socket.setTimeout(5_000, () => {
        socket.destroy();
        resolvePromise('timeout');
      });
      socket.once('connect', () => {
        socket.destroy();
        resolvePromise('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolvePromise(error.code ?? 'error'));
    });

  it('answers on loopback', async () => {
    expect(await probe('127.0.0.1')).toBe('connected');
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
    .map((a) => a?.address ?? '');

  it.skipIf(external.length === 0)('refuses connections on every non-loopback IPv4 address', async () => {
    for (const address of external) expect(await probe(address), address).toBe('ECONNREFUSED');
  });
});
