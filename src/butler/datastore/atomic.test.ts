import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { atomicWriteFile, TEMP_PREFIX } from './atomic.js';

const SIZE = 256 * 1024 * 1024;

it('a process killed in the middle of a write leaves no file under the final name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const target = join(dir, 'out', 'big.fits');
  const module = fileURLToPath(new URL('./atomic.ts', import.meta.url));
  // The child writes 256 MB through atomicWriteFile; we kill it with SIGKILL as soon as its
  // temp file exists, i.e. mid-write.
  const script = `const { atomicWriteFile } = await import(${JSON.stringify(module)});
    await atomicWriteFile(${JSON.stringify(target)}, new Uint8Array(${SIZE}).fill(7));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: 'ignore',
  });
  const exited = new Promise((res) => child.once('exit', res));
  let sawTemp = false;
  for (let i = 0; i < 2000 && child.exitCode === null; i++) {
    const names = existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : [];
    if (names.some((n) => n.startsWith(TEMP_PREFIX))) {
      child.kill('SIGKILL');
      sawTemp = true;
      break;
    }
    await new Promise((res) => setTimeout(res, 5));
  }
  await exited;
  // Either we caught it mid-write (no final file) or it finished first (final file complete).
  if (existsSync(target)) expect(statSync(target).size).toBe(SIZE);
  else expect(sawTemp).toBe(true);
  // A finished write never leaves its temp file behind.
  if (existsSync(target)) expect(readdirSync(join(dir, 'out'))).toEqual(['big.fits']);
});

it('atomicWriteFile creates parent directories and replaces an existing file whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const target = join(dir, 'a', 'b', 'c.json');
  await atomicWriteFile(target, new TextEncoder().encode('first'));
  await atomicWriteFile(target, new TextEncoder().encode('second!'));
  expect(statSync(target).size).toBe(7);
  expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['c.json']);
});
