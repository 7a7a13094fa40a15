// Lint config. The `no-restricted-imports` blocks keep the layer picture of DESIGN.md section 2 true:
// a module may import from its own layer or lower ones, never from a higher one.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layers = [
  ['config', 'butler'],
  ['pipeline', 'task'],
  ['qgraph'],
  ['engine'],
  ['executors'],
  ['monitor'],
  ['cli'],
];

function layerRules() {
  const blocks = [];
  layers.forEach((group, rank) => {
    const higher = layers.slice(rank + 1).flat();
    for (const dir of group) {
      const siblings = group.filter((d) => d !== dir && rank === 0);
      const banned = [...higher, ...siblings];
      if (banned.length === 0) continue;
      blocks.push({
        files: [`src/${dir}/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: banned.map((b) => ({
                group: [`**/${b}/*`, `**/${b}/**`],
                message: `src/${dir} may not import from src/${b} (layer order: DESIGN.md section 2)`,
              })),
            },
          ],
        },
      });
    }
  });
  return blocks;
}

export default tseslint.config(
  {
    ignores: [
      '.dist-*/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.services/**',
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
  ...layerRules(),
);
