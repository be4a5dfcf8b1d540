/**
 * What `zod` resolves to in Lambda bundles (an esbuild alias, see `infra/bundling.ts`); tests and the
 * local runtime use zod itself. Everything zod exports is re-exported unchanged, so code importing
 * `* as z from 'zod'` is shaken as before. Only the `z` value export differs: zod's `z` is the
 * namespace of its whole API, every locale and the JSON Schema converters included, and esbuild
 * cannot shake a namespace used as a value — Powertools' parser schemas `import { z } from 'zod'`,
 * which put ~370 KB into every consumer bundle (measured: fulfilment 519 KB against a 200 KB budget).
 * Here `z` holds just the members Powertools uses (`./zod-schemas.ts`): the fulfilment bundle is
 * 160 KB.
 */
export * from '../../node_modules/zod/v4/classic/external.js';
export * as z from './zod-schemas.ts';
