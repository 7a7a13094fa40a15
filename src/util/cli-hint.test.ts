// Printed hints name quanta in a form that runs: on PATH, in the checkout after `npm ci`, elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quantaInvocation } from './cli-hint.js';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const cli = join(root, 'bin', 'quanta.js');
const noQuantaPath = '/usr/local/bin:/usr/bin:/bin';

/** Runs a printed command line (split on spaces, no shell), in cwd with PATH. */
function runHint(line: string, cwd: string, path: string) {
  const [cmd, ...args] = line.split(' ');
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, PATH: path } });
}

describe('quantaInvocation', () => {
  it('is `npx quanta` in the checkout and its subfolders, where npx finds the bin after npm ci', () => {
    expect(quantaInvocation({ cwd: root, env: { PATH: noQuantaPath } })).toBe('npx quanta');
    expect(quantaInvocation({ cwd: join(root, 'docs'), env: { PATH: noQuantaPath } })).toBe('npx quanta');
  });

  it('is `npx --prefix CHECKOUT quanta` elsewhere (a bare npx quanta would ask the registry)', () => {
    const away = mkdtempSync(join(tmpdir(), 'quanta-hint-'));
    expect(quantaInvocation({ cwd: away, env: { PATH: noQuantaPath } })).toBe(`npx --prefix ${root} quanta`);
    // a folder with its own package.json inside the checkout is another npm project
    const nested = join(away, 'proj');
    mkdirSync(nested);
    writeFileSync(join(nested, 'package.json'), '{}');
    expect(quantaInvocation({ cwd: nested, env: { PATH: noQuantaPath } })).toMatch(/^npx --prefix /);
  });

  it('is `quanta` when this checkout is on PATH (npm link), not when another quanta is', () => {
    const bin = mkdtempSync(join(tmpdir(), 'quanta-bin-'));
    symlinkSync(cli, join(bin, 'quanta'));
    expect(quantaInvocation({ cwd: tmpdir(), env: { PATH: `${bin}:${noQuantaPath}` } })).toBe('quanta');
    const other = mkdtempSync(join(tmpdir(), 'quanta-other-'));
    writeFileSync(join(other, 'quanta'), '#!/bin/sh\n', { mode: 0o755 });
    expect(quantaInvocation({ cwd: tmpdir(), env: { PATH: `${other}:${noQuantaPath}` } })).toBe(
      `npx --prefix ${root} quanta`,
    );
  });
});

describe('hints printed by the CLI', () => {
  it('say how to run quanta where the user is, and the command they print works', () => {
    const away = mkdtempSync(join(tmpdir(), 'quanta-hint-cli-'));
    const nodeDir = join(process.execPath, '..');
    const path = `${nodeDir}:${noQuantaPath}`;
    const r = spawnSync(process.execPath, [cli, 'butler', 'query-collections', 'repo'], {
      cwd: away,
      encoding: 'utf8',
      env: { ...process.env, PATH: path },
    });
    expect(r.status).toBe(3);
    const m = /create one with: (.*)$/m.exec(r.stderr);
    expect(m?.[1]).toBe(`npx --prefix ${root} quanta butler create repo`);
    const made = runHint(m![1], away, path);
    expect(made.status, made.stderr).toBe(0);
    expect(existsSync(join(away, 'repo', 'butler.yaml'))).toBe(true);

    const inside = spawnSync(process.execPath, [cli, 'butler', 'query-collections', join(away, 'none')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: path },
    });
    expect(inside.stderr).toContain(`create one with: npx quanta butler create ${join(away, 'none')}`);
  }, 60_000);
});
