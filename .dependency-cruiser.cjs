/**
 * The layers of ../shared/DESIGN.md, lowest first: shared ← events ← functions ← infra ← (bench,
 * scripts, tests). Nothing imports from a layer above its own; `npm test` runs this check.
 */
const layers = ['shared', 'events', 'functions', 'infra'];
const above = (i) => [...layers.slice(i + 1), 'bench', 'scripts', 'tests'];

module.exports = {
  forbidden: [
    ...layers.map((layer, i) => ({
      name: `${layer}-imports-no-higher-layer`,
      comment: `${layer}/ sits below ${above(i).join(', ')}: move the code down, or pass it in`,
      severity: 'error',
      from: { path: `^${layer}/` },
      to: { path: `^(${above(i).join('|')})/` },
    })),
    {
      name: 'bench-and-scripts-import-no-tests',
      comment: 'tests sit on top: shared test helpers that tools need belong in a lower layer',
      severity: 'error',
      from: { path: '^(bench|scripts)/' },
      to: { path: '^tests/' },
    },
    {
      name: 'no-circular-layers',
      comment: 'a cycle between modules of different layers would be a back-arrow in disguise',
      severity: 'error',
      from: { path: '^(shared|events)/' },
      to: { circular: true, path: '^(functions|infra)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
