/**
 * Killing everything a job started, not only its process group: a child that called setsid (a new
 * session and group) or a double-forked daemon (reparented to init) is out of the group's reach.
 * Three ways in, each for what the others miss:
 * - the tree now: descendants by parent links while the job's root runs (proc-tree.ts);
 * - pids seen while the job ran (the memory sampler keeps them, with their start times, so a reused
 *   pid is never taken for one of ours): catches orphans that cleared their environment;
 * - the tag: every command job gets `QUANTA_JOB_TAG=<unique>` in its environment, which its
 *   descendants inherit; after the root ended, processes started after it that carry the tag are
 *   killed, in rounds until none is left (one may fork while we look).
 * Node.js built-ins only (and proc-tree.ts, which is too): the spawner process imports it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { killGroup } from './process-group.js';
import { descendantsOf, readProc } from './proc-tree.js';

/** The environment variable that marks every process of one command job. */
export const JOB_TAG_VAR = 'QUANTA_JOB_TAG';

/** Pids above the root's scanned one by one before listing all of /proc is cheaper. */
const RANGE_SCAN_MAX = 2048;

function signal(pid: number, sig: NodeJS.Signals): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Send `sig` to the process group of `root`, to its descendants now, and to the `seen` pids
 * (pid -> start time) that are still the processes seen.
 */
export function signalTree(root: number, sig: NodeJS.Signals, seen?: ReadonlyMap<number, number>): void {
  const now = descendantsOf(root);
  killGroup(root, sig);
  for (const pid of now) signal(pid, sig);
  if (seen) signalSeen(seen, sig, new Set(now));
}

/** Send `sig` to each `seen` pid whose process is still the one seen (same start time). */
export function signalSeen(
  seen: ReadonlyMap<number, number>,
  sig: NodeJS.Signals,
  skip: ReadonlySet<number> = new Set(),
): void {
  for (const [pid, start] of seen) {
    if (skip.has(pid)) continue;
    if (readProc(pid)?.start === start) signal(pid, sig);
  }
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'latin1').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pids that may have started after `root`: with the namespace's last pid known and not wrapped,
 * the range above root (a pid that is not there costs one failed open); else all of /proc.
 */
function candidatesAfter(root: number): Iterable<number> {
  const last = readNumber('/proc/sys/kernel/ns_last_pid');
  if (last !== undefined && last >= root && last - root <= RANGE_SCAN_MAX) {
    const out: number[] = [];
    for (let p = root + 1; p <= last; p++) out.push(p);
    return out;
  }
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).map(Number);
}

/** The kernel's flag on its own threads, which have no environment. */
const PF_KTHREAD = 0x00200000;

/**
 * A live user process with an empty environment is most likely in the middle of an execve (the
 * new image's environment is not set up yet): look again. Zombies and kernel threads have none,
 * and a child of this process is another job's root (its spawn not finished).
 */
export function midExec(pid: number): boolean {
  const p = readProc(pid);
  return (
    p !== undefined &&
    p.state !== 'Z' &&
    p.state !== 'X' &&
    (p.flags & PF_KTHREAD) === 0 &&
    p.ppid !== process.pid
  );
}

/** Whether `pid`'s environment holds the tag: yes, no, or not known yet (midExec). */
function carries(pid: number, needle: Buffer): 'yes' | 'no' | 'unsure' {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const env = readFileSync(`/proc/${pid}/environ`);
    if (env.length === 0) return midExec(pid) ? 'unsure' : 'no';
    // the environment block starts with a variable and ends with a NUL: frame it to match whole
    return env.subarray(0, needle.length - 1).equals(needle.subarray(1)) || env.includes(needle)
      ? 'yes'
      : 'no';
  } catch {
    return 'no'; // gone, or not ours to read
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * SIGKILL every process started after `root` whose environment holds the job's tag, in rounds
 * until a round finds no new one and none caught in an execve (at most 10; a round that only
 * found those waits a millisecond first). Returns how many were killed.
 */
export function killTagged(root: number, tag: string): number {
  const needle = Buffer.from(`\0${JOB_TAG_VAR}=${tag}\0`);
  const killed = new Set<number>();
  for (let round = 0; round < 10; round++) {
    let fresh = 0;
    let unsure = 0;
    for (const pid of candidatesAfter(root)) {
      if (pid === process.pid || killed.has(pid)) continue;
      const c = carries(pid, needle);
      if (c === 'unsure') unsure++;
      if (c !== 'yes') continue;
      signal(pid, 'SIGKILL');
      killed.add(pid);
      fresh++;
    }
    if (fresh === 0 && unsure === 0) break;
    if (fresh === 0) Atomics.wait(pause, 0, 0, 1);
  }
  return killed.size;
}

/** The job is over: kill its group, its tree, what was seen of it and whatever carries its tag. */
export function killJobTree(root: number, tag?: string, seen?: ReadonlyMap<number, number>): void {
  signalTree(root, 'SIGKILL', seen);
  if (tag) killTagged(root, tag);
}
