/**
 * How a printed hint ("continue it with: npx quanta restore DIR") runs quanta, in the form that
 * works where the user is: `quanta` when this checkout's bin/quanta.js is on PATH (`npm link`,
 * `npm install -g`), `npx quanta` in the checkout (after `npm ci`), and `npx --prefix CHECKOUT
 * quanta` anywhere else. A bare `quanta` would be "command not found" after `npm ci`, and a bare
 * `npx quanta` outside the checkout would look for a package of that name on the npm registry.
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// src/util and dist/util are both two levels below the package root
const packageRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');

function real(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** `quanta` on PATH is this checkout's binary (an `npm link` symlink resolves to it). */
function onPath(env: NodeJS.ProcessEnv): boolean {
  const bin = real(join(packageRoot, 'bin', 'quanta.js'));
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'quanta.cmd' : 'quanta');
    if (existsSync(candidate) && real(candidate) === bin) return true;
  }
  return false;
}

/** npx looks for bins in the nearest directory above cwd that holds package.json or node_modules. */
function npxFindsThisCheckout(cwd: string): boolean {
  const root = real(packageRoot);
  for (let d = real(cwd) ?? cwd; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) || existsSync(join(d, 'node_modules'))) return d === root;
    if (dirname(d) === d) return false;
  }
}

/** The command prefix that runs this quanta: `quanta`, `npx quanta` or `npx --prefix DIR quanta`. */
export function quantaInvocation(opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  if (onPath(opts.env ?? process.env)) return 'quanta';
  if (npxFindsThisCheckout(opts.cwd ?? process.cwd())) return 'npx quanta';
  const prefix = /^[\w@%+=:,./-]+$/.test(packageRoot)
    ? packageRoot
    : `'${packageRoot.replace(/'/g, "'\\''")}'`;
  return `npx --prefix ${prefix} quanta`;
}

/**
 * A quanta command line for a hint: `quantaCommand('restore', dir)` is
 * `npx quanta restore submit/u/me/run` in the checkout.
 */
export function quantaCommand(...args: string[]): string {
  return [quantaInvocation(), ...args].join(' ');
}
