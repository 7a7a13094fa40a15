// Transpiles src/**/*.ts to dist/ with esbuild (no bundling) and copies non-TS assets.
// Type checking is `npm run typecheck`; this step only has to be fast.
// It builds into a private staging dir and swaps it in with renames, so builds that overlap (a
// test's globalSetup while `npm test` builds, two terminals) never see or leave a half dist/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const out = join(root, `.dist-build-${process.pid}`);

function walk(dir, acc = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, acc);
    else acc.push(p);
  }
  return acc;
}

const files = walk(src);
const entryPoints = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
rmSync(out, { recursive: true, force: true });
try {
  await build({
    entryPoints,
    outdir: out,
    outbase: src,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const f of files) {
    if (f.endsWith('.ts')) continue;
    const dest = join(out, relative(src, f));
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(f, dest);
  }
  // swap: dist -> old, staging -> dist, then drop old. A concurrent reader sees either the old tree
  // or the new one; a concurrent builder's rename simply wins last.
  const old = join(root, `.dist-old-${process.pid}`);
  try {
    renameSync(dist, old);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  try {
    renameSync(out, dist);
  } catch (e) {
    // another build swapped its tree in between our two renames: keep theirs
    if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
  }
  rmSync(old, { recursive: true, force: true });
} finally {
  rmSync(out, { recursive: true, force: true });
}
