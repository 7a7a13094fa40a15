// Lint config. The layer rule keeps docs/architecture.md true: a module may import from its own
// layer or lower ones, never from a higher one, by any form of import (static, `export ... from`,
// dynamic `import('...')`); the package never imports itself by name ('quanta/...'); dynamic
// imports take literal paths (the one exception, loading a user's task module, says so); and
// import-x/no-cycle refuses import cycles. test/lint/layers.test.ts checks each of these.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Lowest first. Folders in one row of rank 0 may not import each other (config and butler are
 * independent); in higher rows they may. `base` is what every layer may use and that imports no
 * layer; `index.ts` is the package's facade, which nothing inside src/ imports.
 */
export const BASE = ['util', 'errors.ts', 'error-codes.ts'];
export const LAYERS = [
  ['config', 'butler'],
  ['pipeline', 'task'],
  ['qgraph'],
  ['engine'],
  ['executors'],
  ['run'],
  ['monitor'],
  ['cli'],
];
export const FACADE = 'index.ts';

const path = (d) => `./src/${d}`;

function layerZones() {
  const zones = [];
  const all = LAYERS.flat();
  for (const b of BASE)
    zones.push({
      target: path(b),
      from: [...all, FACADE].map(path),
      message: `src/${b} is the base layer: it imports no other part of src/ (docs/architecture.md)`,
    });
  LAYERS.forEach((group, rank) => {
    const higher = LAYERS.slice(rank + 1).flat();
    for (const dir of group) {
      const siblings = rank === 0 ? group.filter((d) => d !== dir) : [];
      zones.push({
        target: path(dir),
        from: [...higher, ...siblings, FACADE].map(path),
        message: `src/${dir} may not import from a higher layer or the facade (layer order: docs/architecture.md)`,
      });
    }
  });
  return zones;
}

export default tseslint.config(
  {
    ignores: [
      '.dist-*/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.services/**',
      '.venv-lsst/**',
      'demo/**',
      'submit/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (STYLE.md).' },
      ],
    },
  },
  {
    files: ['*.config.{js,ts}', 'test/helpers/summary-reporter.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/monitor/static/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/**/*.testkit.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // what import-x needs to parse the modules an import leads to (for no-cycle) and resolve
      // `./x.js` to `./x.ts` as TypeScript does
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^quanta(/|$)',
              message: 'src/ imports its own modules by relative path, never through the package name',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (STYLE.md).' },
        {
          selector: "ImportExpression:not([source.type='Literal'])",
          message: 'Dynamic imports take a literal path, so that the layer rule can check them',
        },
        {
          selector: 'ImportExpression[source.value=/^quanta(\\u002F|$)/]',
          message: 'src/ imports its own modules by relative path, never through the package name',
        },
      ],
    },
  },
);
