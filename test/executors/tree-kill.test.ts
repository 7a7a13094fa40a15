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

it('looks again at an empty environment only for a live user process not its own child', async () => {
  // a grandchild: a child of this process is another job's root, never looked at again
  const sh = spawn('sh', ['-c', 'env -i sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise((ok) => sh.once('exit', ok));
  const pid = Number(
    await new Promise<string>((ok) => sh.stdout.once('data', (b: Buffer) => ok(b.toString()))),
  );
  try {
    for (let i = 0; i < 500 && environ(pid)?.length !== 0; i++) await sleep(10);
    expect(midExec(pid)).toBe(true); // live, a user process, no environment
    expect(midExec(sh.pid as number)).toBe(false); // its own child
    process.kill(pid, 'SIGKILL');
    await exited;
    expect(readProc(pid)).toBeUndefined(); // reaped by sh
    expect(midExec(pid)).toBe(false); // gone
  } finally {
    sh.kill('SIGKILL');
  }
});
