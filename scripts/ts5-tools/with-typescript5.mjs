// Preloaded (`node --import`) before dependency-cruiser: its TypeScript parser needs the compiler
// API of TypeScript 5, and the project's own `typescript` is 7, which has none yet. Every import or
// require of `typescript` (and its files) resolves to this package's pinned 5.x instead.
import { createRequire, registerHooks } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Resolved before the hook exists: resolving inside it would re-enter it.
const resolveHere = createRequire(import.meta.url).resolve;
const main = pathToFileURL(resolveHere('typescript')).href;
const root = dirname(resolveHere('typescript/package.json'));

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'typescript') return { url: main, format: 'commonjs', shortCircuit: true };
    if (specifier.startsWith('typescript/')) {
      const file = join(root, specifier.slice('typescript/'.length));
      return { url: pathToFileURL(file).href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});
