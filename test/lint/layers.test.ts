/**
 * The layer rule of eslint.config.js refuses each way around it: a static, re-exported or dynamic
 * import of a higher layer, an import of the package by its own name, a computed dynamic import,
 * the base layer importing a layer, a sibling of rank 0, the facade, and an import cycle.
 */
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function ruleIds(file: string, code: string, cwd = root): Promise<string[]> {
  const eslint = new ESLint({ cwd });
  const [result] = await eslint.lintText(code, { filePath: join(cwd, file) });
  return result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('the layer rule', () => {
  it('allows an import of a lower layer, statically and dynamically', async () => {
    expect(
      await ruleIds('src/engine/probe.ts', "export { openButler } from '../butler/index.js';\n"),
    ).toEqual([]);
    expect(
      await ruleIds('src/engine/probe.ts', "export const load = () => import('../butler/index.js');\n"),
    ).toEqual([]);
  });

  it.each([
    [
      'a static import of a higher layer',
      'src/butler/probe.ts',
      "import { runWorkflow } from '../engine/run.js';\nexport const x = runWorkflow;\n",
    ],
    [
      'a re-export of a higher layer',
      'src/qgraph/probe.ts',
      "export * from '../executors/local/local-executor.js';\n",
    ],
    [
      'a dynamic import of a higher layer',
      'src/butler/probe.ts',
      "export const load = () => import('../monitor/index.js');\n",
    ],
    [
      'the base layer importing a layer',
      'src/util/probe.ts',
      "export { openButler } from '../butler/index.js';\n",
    ],
    ['errors.ts importing a layer', 'src/errors.ts', "export { openButler } from './butler/index.js';\n"],
    ['a sibling of rank 0', 'src/config/probe.ts', "export { openButler } from '../butler/index.js';\n"],
    ['the facade from inside src/', 'src/cli/probe.ts', "export { defineTask } from '../index.js';\n"],
  ])('refuses %s', async (_what, file, code) => {
    expect(await ruleIds(file, code)).toContain('import-x/no-restricted-paths');
  });

  it('refuses the package by its own name, static or dynamic', async () => {
    expect(
      await ruleIds('src/butler/probe.ts', "export { startDashboard } from 'quanta/monitor';\n"),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds('src/butler/probe.ts', "export const m = () => import('quanta/monitor');\n"),
    ).toContain('no-restricted-syntax');
  });

  it('refuses a computed dynamic import', async () => {
    const code = 'export const m = (layer: string) => import(`../${layer}/index.js`);\n';
    expect(await ruleIds('src/butler/probe.ts', code)).toContain('no-restricted-syntax');
  });

  it('refuses an import cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-lint-'));
    cpSync(join(root, 'eslint.config.js'), join(dir, 'eslint.config.js'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true }, include: ['src'] }),
    );
    mkdirSync(join(dir, 'src', 'engine'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const a = "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n";
    writeFileSync(join(dir, 'src/engine/a.ts'), a);
    writeFileSync(
      join(dir, 'src/engine/b.ts'),
      "import { a } from './a.js';\nexport const b = (): number => a() - 1;\n",
    );
    // in a process of its own: import-x caches resolvers per process, keyed by their settings
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', 'src'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    const results = JSON.parse(r.stdout) as { messages: { ruleId: string | null }[] }[];
    expect(results.flatMap((f) => f.messages.map((m) => m.ruleId))).toEqual([
      'import-x/no-cycle',
      'import-x/no-cycle',
    ]);
  }, 60_000);
});
