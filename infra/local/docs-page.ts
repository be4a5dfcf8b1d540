/**
 * `GET /docs` on the local runtime: a browsable reference for the live `GET /openapi.json`, drawn
 * by Swagger UI from the `swagger-ui-dist` package in node_modules. Everything is served from
 * here, nothing from a CDN, and Swagger UI's online validator badge is turned off, so the page
 * works offline. Local only: the deployed API has no such route (the document is public there, and
 * any viewer can load it).
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const DOCS_PATH = '/docs';

/** The Swagger UI files the page uses, with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const INIT_SCRIPT = `window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: true,
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Storeline API reference (local)</title>
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png">
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/init.js"></script>
</body>
</html>
`;

let assetDir: string | undefined;
const swaggerUiDir = (): string => {
  assetDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return assetDir;
};

function reply(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    // The assets change only with the installed package; the page and init script are tiny.
    'cache-control': 'no-cache',
  });
  res.end(body);
}

/** Whether `pathname` belongs to the docs page (`/docs`, `/docs/`, `/docs/<asset>`). */
export const isDocsPath = (pathname: string): boolean =>
  pathname === DOCS_PATH || pathname.startsWith(`${DOCS_PATH}/`);

/** Answers a GET under `/docs`: the page, its init script, or one of the Swagger UI files. */
export async function serveDocs(pathname: string, res: ServerResponse): Promise<void> {
  const name = pathname.slice(DOCS_PATH.length).replace(/^\//, '');
  if (name === '' || name === 'index.html') {
    reply(res, 200, 'text/html; charset=utf-8', PAGE);
    return;
  }
  if (name === 'init.js') {
    reply(res, 200, 'text/javascript; charset=utf-8', INIT_SCRIPT);
    return;
  }
  // Only the listed files: the name never reaches the file system unchecked.
  const contentType = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!contentType) {
    reply(res, 404, 'application/json', JSON.stringify({ message: 'Not Found' }));
    return;
  }
  reply(res, 200, contentType, await readFile(join(swaggerUiDir(), name)));
}
