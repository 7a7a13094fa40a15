/**
 * Resident memory of whole process trees, read from /proc (Linux). One scan of /proc serves
 * every running job, so the cost per tick does not grow with the number of jobs.
 * A process counts for a root when it is in the root's process group (jobs are started as group
 * leaders) or descends from the root by parent links (catches children that left the group).
 */
import { readdirSync, readFileSync } from 'node:fs';

let pageKB = 0;

/** Page size in kB, learnt once by comparing /proc/self/statm with VmRSS of /proc/self/status. */
function pageSizeKB(): number {
  if (pageKB) return pageKB;
  pageKB = 4;
  try {
    const statmPages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m && statmPages > 0) {
      const ratio = Number(m[1]) / statmPages;
      // round to a power of two: RSS moves between the two reads
      pageKB = 2 ** Math.round(Math.log2(ratio));
    }
  } catch {
    // not Linux: keep the common 4 kB
  }
  return pageKB;
}

interface ProcEntry {
  ppid: number;
  pgrp: number;
  rssKB: number;
}

function readProc(pid: number): ProcEntry | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined; // exited between readdir and read
  }
  // the command name (field 2) may hold spaces and parentheses: split after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] = state (field 3), rest[1] = ppid, rest[2] = pgrp, rest[21] = rss pages (field 24)
  return { ppid: Number(rest[1]), pgrp: Number(rest[2]), rssKB: Number(rest[21]) * pageSizeKB() };
}

let childrenFiles: boolean | undefined;

/** Whether the kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN). */
function haveChildrenFiles(): boolean {
  if (childrenFiles === undefined) {
    try {
      readFileSync(`/proc/${process.pid}/task/${process.pid}/children`);
      childrenFiles = true;
    } catch {
      childrenFiles = false;
    }
  }
  return childrenFiles;
}

function rssOfKB(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * pageSizeKB();
  } catch {
    return 0;
  }
}

/** RSS (kB) of pid and its descendants by walking children files (a few reads per process). */
function walkTreeKB(pid: number, depth = 0): number {
  let kb = rssOfKB(pid);
  if (depth > 32) return kb;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return kb;
  }
  for (const tid of tids) {
    let kids: string;
    try {
      kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const k of kids.split(' ')) if (k) kb += walkTreeKB(Number(k), depth + 1);
  }
  return kb;
}

/**
 * Sum of RSS (MB) of every process in each root's tree. Roots that are gone map to 0.
 * With children files (most kernels) only the trees are read; descendants whose parent died
 * (reparented to init) are then missed, which the process-group kill still reaches. Without
 * them one scan of all of /proc serves every root.
 */
export function sampleTreesMB(roots: readonly number[]): Map<number, number> {
  if (haveChildrenFiles()) {
    const out = new Map<number, number>();
    for (const r of roots) out.set(r, walkTreeKB(r) / 1024);
    return out;
  }
  return scanTreesMB(roots);
}

/** Full /proc scan: membership by process group or by parent links. */
export function scanTreesMB(roots: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of roots) out.set(r, 0);
  if (roots.length === 0) return out;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  const procs = new Map<number, ProcEntry>();
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    const e = readProc(pid);
    if (e) procs.set(pid, e);
  }
  const rootSet = new Set(roots);
  const owner = new Map<number, number>(); // pid -> root pid, or -1 for none (memo)
  const findRoot = (pid: number): number => {
    const seen: number[] = [];
    let cur = pid;
    let found = -1;
    for (let depth = 0; depth < 64; depth++) {
      const memo = owner.get(cur);
      if (memo !== undefined) {
        found = memo;
        break;
      }
      if (rootSet.has(cur)) {
        found = cur;
        break;
      }
      const e = procs.get(cur);
      if (!e) break;
      if (rootSet.has(e.pgrp)) {
        found = e.pgrp;
        break;
      }
      seen.push(cur);
      if (e.ppid <= 1) break;
      cur = e.ppid;
    }
    for (const s of seen) owner.set(s, found);
    return found;
  };
  for (const [pid, e] of procs) {
    const root = findRoot(pid);
    if (root >= 0) out.set(root, (out.get(root) ?? 0) + e.rssKB / 1024);
  }
  return out;
}

/** Pids of processes whose environment holds `KEY=value` (used to find orphans of a dead manager). */
export function findProcessesWithEnv(key: string, value: string): number[] {
  const needle = Buffer.from(`\0${key}=${value}\0`);
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
      if (env.includes(needle)) out.push(pid);
    } catch {
      // not ours or gone
    }
  }
  return out;
}

/** Parent process id of a pid, or undefined when it is gone. */
export function parentOf(pid: number): number | undefined {
  return readProc(pid)?.ppid;
}

/** Process group of a pid, or undefined when it is gone. */
export function processGroupOf(pid: number): number | undefined {
  return readProc(pid)?.pgrp;
}
