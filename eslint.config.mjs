import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

/** Folders of the shipped product; `dev/` (simulator, demo data, oracles), `cli/`, `test/` and `bench/` are not. */
const PRODUCT = ['model', 'workflows', 'activities', 'wfm', 'stores', 'worker', 'client', 'common'];
const zone = (target, from, message) => ({ target: `./${target}`, from: from.map((f) => `./${f}`), message });

/**
 * Which folder may import which (DESIGN.md, docs/architecture.md). `import-x/no-restricted-paths` checks value and
 * type imports alike; workflows may still import activity *types* through the rule below.
 */
const arrows = [
  ...PRODUCT.map((folder) =>
    zone(
      folder,
      ['dev', 'cli', 'test', 'bench'],
      'Product code never imports the dev tools, the CLI or tests.',
    ),
  ),
  zone(
    'model',
    ['workflows', 'activities', 'wfm', 'stores', 'worker', 'client', 'common'],
    'model/ is pure: it imports nothing of the roles.',
  ),
  zone(
    'common',
    ['workflows', 'activities', 'wfm', 'stores', 'worker', 'client'],
    'common/ is below every role.',
  ),
  zone(
    'wfm',
    ['workflows', 'activities', 'stores', 'worker', 'client'],
    'wfm/ knows the WFM only, not Temporal orchestration or stores.',
  ),
  zone('stores', ['workflows', 'activities', 'wfm', 'worker', 'client'], 'stores/ know storage only.'),
  zone(
    'activities',
    ['workflows', 'worker', 'client'],
    'Activities are wired by the worker, not the other way round.',
  ),
  zone('client', ['activities', 'wfm', 'worker'], 'The client reaches the WFM only through workflows.'),
  zone('worker', ['client'], 'The worker does not use the client library.'),
  zone(
    'workflows',
    ['wfm', 'stores', 'worker', 'client', 'common'],
    'Workflows are deterministic: model, messages and activity types only.',
  ),
  zone(
    'dev',
    ['cli', 'test', 'bench'],
    'dev/ ships in the package (demo, sim): it depends on neither the CLI nor tests and benchmarks.',
  ),
];

/**
 * The oracles: the simulators and the invariant checkers judge the adapters, so they read the WFM's API with schemas of
 * their own, written from its documentation (docs/wfm-rest-contract.md, the Genesys reference), never the adapters'.
 */
const ORACLES = ['dev/simulator/**/*.ts', 'dev/invariants.ts', 'dev/genesys-invariants.ts', 'dev/sample.ts'];
export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      '.tools/',
      'coverage/',
      'test/artifacts/',
      'bin/',
      'scripts/',
      '*.js',
      '*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: arrows }],
    },
    // The resolver that reads packages' `exports` (lru-cache has no `main` for the legacy one to find).
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })] },
  },
  {
    // Tests build malformed input on purpose.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The shared vocabulary is imported by workflows, which run deterministically in a sandbox.
    files: ['model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'model/ is imported by workflows: no Node I/O.',
          })),
        },
      ],
    },
  },
  {
    files: ORACLES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/wfm', '**/wfm/**'],
              message:
                'An oracle must not share the code it judges: read the API with a schema of its own (dev/simulator/schedule-document.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is replayed deterministically in a sandbox: no Node built-ins, no I/O, no activity values.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows must be deterministic: no Node I/O.',
          })),
          patterns: [
            {
              group: ['**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only (proxyActivities).',
            },
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'undici', 'axios'],
              message: 'Workflows talk to the outside world through activities only.',
            },
          ],
        },
      ],
    },
  },
);
