/**
 * Process trees read from /proc (Linux): resident memory and the pids of each job's tree, for the
 * memory sampler and for killing a job's descendants. A process counts for a root when it
 * descends from it by parent links (catches children that left the group with setsid) or, in the
 * full scan, is in the root's process group (jobs are started as group leaders).
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

/** What one read of /proc/<pid>/stat tells. */
export interface ProcEntry {
  /** one letter: R, S, D, Z (zombie), X (dead), T, ... */
  state: string;
  /** the kernel's flags (PF_*) */
  flags: number;
  ppid: number;
  pgrp: number;
  /** start time after boot, in clock ticks: with the pid, names one process (pids are reused) */
  start: number;
  rssKB: number;
}

/** /proc/<pid>/stat of a process, or undefined when it is gone (or was never there). */
export function readProc(pid: number): ProcEntry | undefined {
  let text: string;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // "gone" is common here: an error without a stack is much cheaper
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined; // exited between readdir and read
  } finally {
    Error.stackTraceLimit = limit;
  }
  // the command name (field 2) may hold spaces and parentheses: split after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] = state (field 3), rest[1] = ppid, rest[2] = pgrp, rest[6] = flags (field 9),
  // rest[19] = starttime (field 22), rest[21] = rss pages (field 24; 0 for a zombie)
  return {
    state: rest[0],
    flags: Number(rest[6]),
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    start: Number(rest[19]),
    rssKB: Number(rest[21]) * pageSizeKB(),
  };
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

/** One process tree as sampled: the RSS of its processes and who they are. */
export interface TreeSample {
  mb: number;
  /** the root's descendants now (pid -> start time), the root not included */
  pids: Map<number, number>;
}

/** Add pid and its descendants to `acc` by walking children files (a few reads per process). */
function walkTree(pid: number, acc: { kb: number; pids: Map<number, number> }, depth = 0): void {
  const e = readProc(pid);
  if (!e) return;
  acc.kb += e.rssKB;
  if (depth > 0) acc.pids.set(pid, e.start);
  if (depth > 32) return;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    let kids: string;
    try {
      kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const k of kids.split(' ')) if (k) walkTree(Number(k), acc, depth + 1);
  }
}

/**
 * Each root's tree: RSS (MB) of every process in it, and its pids. Roots that are gone map to 0
 * and no pids. With children files (most kernels) only the trees are read; descendants whose
 * parent died (reparented to init) are then missed here: the job runner keeps the pids it saw
 * and counts and kills those itself. Without them one scan of all of /proc serves every root.
 */
export function sampleTrees(roots: readonly number[]): Map<number, TreeSample> {
  if (haveChildrenFiles()) {
    const out = new Map<number, TreeSample>();
    for (const r of roots) {
      const acc = { kb: 0, pids: new Map<number, number>() };
      walkTree(r, acc);
      out.set(r, { mb: acc.kb / 1024, pids: acc.pids });
    }
    return out;
  }
  return scanTrees(roots);
}

/** RSS (MB) of each root's tree (see sampleTrees). */
export function sampleTreesMB(roots: readonly number[]): Map<number, number> {
  return new Map([...sampleTrees(roots)].map(([r, t]) => [r, t.mb]));
}

/** The root's descendants now (by parent links, and its process group), the root not included. */
export function descendantsOf(root: number): number[] {
  return [...(sampleTrees([root]).get(root)?.pids.keys() ?? [])];
}

/** Full /proc scan: membership by process group or by parent links. */
export function scanTrees(roots: readonly number[]): Map<number, TreeSample> {
  const out = new Map<number, TreeSample>();
  for (const r of roots) out.set(r, { mb: 0, pids: new Map() });
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
    if (root < 0) continue;
    const t = out.get(root) as TreeSample;
    t.mb += e.rssKB / 1024;
    if (pid !== root) t.pids.set(pid, e.start);
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
