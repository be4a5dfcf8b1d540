/**
 * What the `z` value holds in Lambda bundles (see `./zod.ts`): exactly the members Powertools'
 * published modules use on it (`tests/infra/bundling.test.ts` checks every one they use is here).
 * Our own code imports `* as z from 'zod'` and reaches the whole API, shaken, through `./zod.ts`.
 */

export * as iso from '../../node_modules/zod/v4/classic/iso.js';
export {
  any,
  array,
  base64,
  boolean,
  custom,
  enum,
  ipv4,
  ipv6,
  literal,
  null,
  number,
  object,
  optional,
  record,
  string,
  union,
  unknown,
  url,
} from '../../node_modules/zod/v4/classic/schemas.js';
export { NEVER } from '../../node_modules/zod/v4/core/index.js';
