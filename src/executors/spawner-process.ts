/**
 * A spawner process: starts command jobs for a JobRunner. fork() copies the page tables of the
 * process that calls it, and Node.js waits for the child's exec() before spawn() returns, so a
 * large manager pays about 2 ms of blocked event loop per job. This process stays small (it
 * imports nothing but Node.js built-ins and tree-kill.ts, which imports only those), several of
 * them fork in parallel, and the manager keeps journaling meanwhile. Each job is a process group
 * leader with a tag of its own in its environment (tree-kill.ts); when the job exits, its group and
 * every process carrying its tag (a setsid child, a daemon) are killed before the exit is reported.
 * When its manager goes away (the IPC channel closes: a crash, or shutdown) it kills the trees of
 * the jobs it started that still run, since nobody is left to account for them (restore would kill
 * them anyway), and exits. Under a lease (parent-lease.ts: a pilot worker sets one) it kills them
 * too when its parent falls silent, and reports them fenced.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fencedMessage, LeaseWatch } from './parent-lease.js';
import type { SpawnerReply, SpawnerRequest, SpawnRequest } from './spawn-protocol.js';
import { JOB_TAG_VAR, killJobTree } from './tree-kill.js';

// process.env is slow to copy (every read crosses into C++): one plain copy serves every job
let baseEnv: Record<string, string | undefined> = { ...process.env };
/** process id (= process group) -> tag of the jobs started and not yet exited */
const live = new Map<number, string>();
/** tags: unique per job on this host (this spawner's pid, a random part, a counter) */
const tagBase = `${process.pid}.${randomBytes(6).toString('hex')}`;
let tags = 0;
/** jobs killed because the lease lapsed (pid -> the message their exit reports) */
const fenced = new Map<number, string>();
const lease = new LeaseWatch((silentMs) => {
  const message = fencedMessage(silentMs);
  for (const [pid, tag] of live) {
    fenced.set(pid, message);
    killJobTree(pid, tag);
  }
});

function send(m: SpawnerReply): void {
  // after the manager went away there is nobody to tell ('disconnect' then kills the jobs)
  if (process.connected) process.send?.(m);
}

function openLog(path: string): number {
  try {
    return openSync(path, 'a', 0o600);
  } catch {
    // the log directory was removed under a running executor: make it again
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return openSync(path, 'a', 0o600);
  }
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function failStart(r: SpawnRequest, message: string): void {
  try {
    const fd = openSync(r.logPath, 'a', 0o600);
    writeSync(fd, `quanta: ${message}\n`);
    closeSync(fd);
  } catch {
    // no log file: the message still reaches the journal
  }
  send({ type: 'exit', key: r.key, exitCode: null, signal: null, message });
}

function start(r: SpawnRequest): void {
  let fd: number;
  try {
    fd = openLog(r.logPath);
  } catch (e) {
    send({
      type: 'exit',
      key: r.key,
      exitCode: null,
      signal: null,
      message: `cannot open log ${r.logPath}: ${errCode(e)}`,
    });
    return;
  }
  let settled = false;
  const tag = `${tagBase}.${++tags}`;
  const child = spawn(r.argv[0], r.argv.slice(1), {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: r.cwd,
    env: { ...baseEnv, ...r.env, [JOB_TAG_VAR]: tag },
  });
  closeSync(fd);
  child.once('error', (e) => {
    if (settled) return;
    settled = true;
    failStart(r, `cannot start ${r.argv[0]}: ${errCode(e)}`);
  });
  child.once('exit', (exitCode, signal) => {
    if (settled) return;
    settled = true;
    // kill anything the job left behind: in its group, in a session of its own, a daemon
    const fence = child.pid === undefined ? undefined : fenced.get(child.pid);
    if (child.pid !== undefined) {
      live.delete(child.pid);
      fenced.delete(child.pid);
      killJobTree(child.pid, tag);
    }
    send(
      fence
        ? { type: 'exit', key: r.key, exitCode, signal, message: fence, fenced: true }
        : { type: 'exit', key: r.key, exitCode, signal },
    );
  });
  if (child.pid !== undefined) {
    live.set(child.pid, tag);
    send({ type: 'started', key: r.key, pid: child.pid });
  }
}

process.on('message', (m: SpawnerRequest) => {
  if (m.type === 'lease') return lease.set(m.ms);
  lease.renew();
  if (m.type === 'init') baseEnv = { ...process.env, ...m.env };
  else start(m);
});
// a failed write to a closing channel: 'disconnect' follows
process.on('error', () => undefined);
process.on('disconnect', () => {
  for (const [pid, tag] of live) killJobTree(pid, tag);
  process.exit(0);
});
