import { describe, expect, inject, it } from 'vitest';
import { apiClient } from '#infra/local/client.ts';
import { allRoutes } from '#infra/topology.ts';
import { routeKey } from '#shared/http/contract.ts';

const api = apiClient(inject('baseUrl'));

describe('Local runtime: platform', () => {
  it('GET /health answers ok without a token', async () => {
    const res = await api.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /openapi.json documents exactly the topology’s routes', async () => {
    const res = await api.request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/openapi.json',
    );
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const documented = Object.entries(res.body.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.sort()).toEqual(
      allRoutes()
        .map(({ route }) => routeKey(route))
        .sort(),
    );
  });

  it('answers every topology route locally (none falls through to the gateway’s 404)', async () => {
    const token = await api.token('probe', ['staff']);
    for (const { route } of allRoutes()) {
      const path = route.path.replace(/\{(\w+)\+?\}/g, 'PROBE');
      const res = await api.request(route.method, path, { token, body: route.body ? {} : undefined });
      expect(res.body, routeKey(route)).not.toEqual({ message: 'Not Found' });
      expect(res.status, routeKey(route)).toBeLessThan(500);
    }
  });

  it('answers unknown routes like API Gateway does', async () => {
    const res = await api.request('GET', '/nowhere');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Not Found' });
  });

  it('mints tokens only for valid requests', async () => {
    const bad = await api.request('POST', '/_local/token', { body: { sub: '' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });
});
