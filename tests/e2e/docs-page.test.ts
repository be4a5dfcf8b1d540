import { describe, expect, inject, it } from 'vitest';

const baseUrl = inject('baseUrl');

describe('Local runtime: GET /docs', () => {
  it('serves a page that draws the live /openapi.json with assets of its own, no CDN', async () => {
    const res = await fetch(`${baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(sources.length).toBeGreaterThan(2);
    // Every asset from this server: the page works offline.
    for (const source of sources) expect(source, source).toMatch(/^\/docs\//);

    const init = await fetch(`${baseUrl}/docs/init.js`);
    expect(init.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await init.text();
    expect(script).toContain("url: '/openapi.json'");
    expect(script).toContain('validatorUrl: null');
  });

  it('serves the Swagger UI bundle and stylesheet it references', async () => {
    const bundle = await fetch(`${baseUrl}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const css = await fetch(`${baseUrl}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for anything else under /docs, the file system untouched', async () => {
    for (const path of ['/docs/package.json', '/docs/constructor', '/docs/..%2Fpackage.json']) {
      const res = await fetch(`${baseUrl}${path}`);
      expect(res.status, path).toBe(404);
    }
  });
});
