/**
 * tree-kill.ts's look at /proc: an empty environment is what a process shows in the middle of an
 * execve, so killTagged looks at such a process again (a setsid child caught there was left
 * behind by the Python port, 2 runs in 300 under load, before it did).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { readProc } from '../../src/executors/proc-tree.js';
import { midExec } from '../../src/executors/tree-kill.js';

const environ = (pid: number): Buffer | undefined => {
  try {
    return readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  }
};

it('looks again at an empty environment only for a live user process', async () => {
  const p = spawn('env', ['-i', 'sleep', '30'], { stdio: 'ignore' });
  const pid = p.pid as number;
  const exited = new Promise((ok) => p.once('exit', ok));
  try {
    for (let i = 0; i < 500 && environ(pid)?.length !== 0; i++) await sleep(10);
    expect(midExec(pid)).toBe(true); // live, a user process, no environment
  } finally {
    p.kill('SIGKILL');
  }
  await exited;
  expect(readProc(pid)).toBeUndefined(); // reaped
  expect(midExec(pid)).toBe(false); // gone
});
