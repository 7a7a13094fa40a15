import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createUniqueDir } from './unique-dir.js';

const distModule = fileURLToPath(new URL('../../dist/config/unique-dir.js', import.meta.url));

/** Runs `n` calls of createUniqueDir(target) in a fresh Node process (from the built dist/). */
function childMakes(target: string, n: number): Promise<string[]> {
  const code = `import { createUniqueDir } from ${JSON.stringify(distModule)};
const out = [];
for (let i = 0; i < ${n}; i++) out.push(createUniqueDir(${JSON.stringify(target)}));
process.stdout.write(JSON.stringify(out));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.on('error', reject);
    child.on('close', (rc) =>
      rc === 0 ? resolve(JSON.parse(text) as string[]) : reject(new Error(`child exited ${rc}`)),
    );
  });
}

describe('createUniqueDir', () => {
  it('creates the directory and its parents, and a suffixed one on collision', () => {
    const base = join(mkdtempSync(join(tmpdir(), 'quanta-udir-')), 'submit/u/me/run/20211213T041900123Z');
    expect(createUniqueDir(base)).toBe(base);
    const second = createUniqueDir(base);
    expect(second).toMatch(/^.*20211213T041900123Z-[0-9a-f]{6}$/);
    expect(readdirSync(join(base, '..')).sort()).toEqual(
      [base, second].map((p) => p.split('/').pop()).sort(),
    );
  });

  it('gives distinct directories to many concurrent processes asking for the same name', async () => {
    const root = mkdtempSync(join(tmpdir(), 'quanta-udir-'));
    const target = join(root, 'submit/run/20211213T041900123Z');
    const results = (await Promise.all(Array.from({ length: 8 }, () => childMakes(target, 25)))).flat();
    expect(results).toHaveLength(200);
    expect(new Set(results).size).toBe(200);
    expect(results).toContain(target);
    expect(readdirSync(join(root, 'submit/run'))).toHaveLength(200);
  });

  it('gives distinct directories to many concurrent in-process calls', async () => {
    const root = mkdtempSync(join(tmpdir(), 'quanta-udir-'));
    const target = join(root, 'r');
    const results = await Promise.all(
      Array.from({ length: 300 }, () => Promise.resolve().then(() => createUniqueDir(target))),
    );
    expect(new Set(results).size).toBe(300);
  });
});
