/**
 * Helpers of the seeded fault-injection suite (faults.test.ts) on the real 3-node Slurm test
 * cluster: a seeded PRNG, the run's processes found in /proc (workers, manager, leftovers), a
 * slurmd killed and started again exactly as scripts/services/start-slurm.sh starts it, and the
 * marker lines the jobs write, checked against the journal.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The seeded PRNG the crash suite uses too (mulberry32). */
export { prng } from '../engine/helpers.js';

/** $QUANTA_FAULT_SEED (to replay a run), else a fresh one. */
export function faultSeed(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.QUANTA_FAULT_SEED;
  if (v && /^\d+$/.test(v)) return Number(v) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

export interface Proc {
  pid: number;
  argv: string[];
  /** the state letter of /proc/PID/stat: R, S, D, T (stopped), Z (zombie), ... */
  state: string;
}

function readProcess(pid: number): Proc | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
    return { pid, argv, state };
  } catch {
    return undefined; // gone meanwhile
  }
}

export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProcess(Number(name));
    if (p) out.push(p);
  }
  return out;
}

const isNode = (p: Proc) => /(^|\/)node$/.test(p.argv[0] ?? '');

/** Live `quanta worker` processes of the run in `dir` (not the srun steps wrapping them). */
export function workerProcs(dir: string): { pid: number; node: string; state: string }[] {
  const token = join(dir, 'token');
  return processes()
    .filter((p) => isNode(p) && p.state !== 'Z' && p.argv.includes('worker') && p.argv.includes(token))
    .map((p) => ({ pid: p.pid, node: p.argv[p.argv.indexOf('--node') + 1] ?? '?', state: p.state }));
}

/** Live manager processes (`quanta restore DIR`) of the run in `dir`. */
export function managerProcs(dir: string): number[] {
  return processes()
    .filter((p) => isNode(p) && p.state !== 'Z' && p.argv.includes('restore') && p.argv.includes(dir))
    .map((p) => p.pid);
}

function environ(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return '';
  }
}

/**
 * Processes of the run still on the machine (any node: the fake nodes share it): those with the
 * run's tag in their environment (its jobs and what they started), with one of its Slurm job ids
 * (batch scripts, managers, workers, spawners, srun), or with the submit dir on their command line.
 */
export function leftovers(dir: string, tagVar: string, tag: string, slurmJobIds: string[]): string[] {
  const needles = [`\0${tagVar}=${tag}\0`, ...slurmJobIds.map((id) => `\0SLURM_JOB_ID=${id}\0`)];
  const out: string[] = [];
  for (const p of processes()) {
    if (p.pid === process.pid || p.state === 'Z') continue;
    const env = `\0${environ(p.pid)}`;
    if (needles.some((n) => env.includes(n)) || p.argv.some((a) => a.includes(dir)))
      out.push(`${p.pid} [${p.state}] ${p.argv.join(' ').slice(0, 160)}`);
  }
  return out;
}

// --- slurmd ---------------------------------------------------------------------------------

/** The pid in a pid file when that process is alive (not a zombie: PID 1 here may not reap). */
export function alivePid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const p = pid > 0 ? readProcess(pid) : undefined;
  return p && p.state !== 'Z' ? pid : undefined;
}

/** The /run/netns entry a process lives in (start-slurm.sh puts each slurmd in one). */
export function netnsPathOf(pid: number): string {
  const inode = /net:\[(\d+)\]/.exec(execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }));
  for (const name of existsSync('/run/netns') ? readdirSync('/run/netns') : []) {
    const path = join('/run/netns', name);
    if (inode && String(statSync(path).ino) === inode[1]) return path;
  }
  throw new Error(`process ${pid} is in no network namespace under /run/netns`);
}

export interface SlurmdHandle {
  node: string;
  conf: string;
  pidFile: string;
  netns: string;
}

/** How start-slurm.sh starts the slurmd of `node`: its own host name and network namespace. */
export function startSlurmd(h: SlurmdHandle): void {
  const r = spawnSync(
    'unshare',
    [
      '--uts',
      '--',
      'sh',
      '-c',
      'hostname "$1" && exec nsenter --net="$2" slurmd -f "$3" -N "$1"',
      'sh',
      h.node,
      h.netns,
      h.conf,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`slurmd ${h.node} did not start: ${r.stderr}`);
}

export function slurmdStartTime(env: NodeJS.ProcessEnv, node: string): string {
  const out = execFileSync('scontrol', ['show', 'node', '-o', node], { env, encoding: 'utf8' });
  return /SlurmdStartTime=(\S+)/.exec(out)?.[1] ?? '';
}

// --- marker lines -----------------------------------------------------------------------------

export interface Mark {
  kind: 'start' | 'end' | 'overlap';
  id: string;
  attempt: number;
  pid: number;
  at: number;
  exit?: number;
}

/**
 * The command of every job: takes a non-blocking flock on the job's own lock file (held by the
 * job's processes until they have all died, however they die: a second copy that finds it taken
 * runs at the same time, and says so), writes start/end lines to the job's marker file, and
 * sleeps (a duration), or waits for the gate file for at most 1.5 s (`tick`).
 * Positional parameters: id, marker file, lock file, seconds or `tick`, gate file.
 */
export const JOB_SCRIPT = [
  'exec 9>>"$3"',
  'flock -n 9 || echo "overlap $1 $QUANTA_ATTEMPT $$ $(date +%s%3N)" >>"$2"',
  'echo "start $1 $QUANTA_ATTEMPT $$ $(date +%s%3N)" >>"$2"',
  'if [ "$4" = tick ]; then',
  '  i=0; while [ ! -e "$5" ] && [ "$i" -lt 15 ]; do sleep 0.1; i=$((i + 1)); done',
  'else sleep "$4"; fi',
  'echo "end $1 $QUANTA_ATTEMPT $$ $(date +%s%3N) 0" >>"$2"',
].join('\n');

export function readMarks(markerDir: string): Map<string, Mark[]> {
  const out = new Map<string, Mark[]>();
  for (const f of existsSync(markerDir) ? readdirSync(markerDir) : []) {
    const marks: Mark[] = [];
    for (const line of readFileSync(join(markerDir, f), 'utf8').split('\n')) {
      const w = line.trim().split(' ');
      if (w.length < 5) continue;
      marks.push({
        kind: w[0] as Mark['kind'],
        id: w[1],
        attempt: Number(w[2]),
        pid: Number(w[3]),
        at: Number(w[4]),
        ...(w[5] !== undefined ? { exit: Number(w[5]) } : {}),
      });
    }
    out.set(f, marks);
  }
  return out;
}

export interface FinalRow {
  id: string;
  state: string;
  attempt: number;
  ended_at: number | null;
}

/**
 * What the markers say against the journal, as a list of broken invariants (empty: all held):
 * every job succeeded; its succeeded attempt ended exactly once; no copy started after that
 * success or under a later attempt; no attempt started twice; no two copies ran at once (the
 * flock, and the intervals of copies that ended).
 */
export function markerViolations(rows: FinalRow[], marks: Map<string, Mark[]>): string[] {
  const bad: string[] = [];
  for (const r of rows) {
    const m = marks.get(r.id) ?? [];
    if (r.state !== 'succeeded') bad.push(`${r.id}: ${r.state} in the journal (every job must succeed)`);
    const ends = m.filter((x) => x.kind === 'end' && x.attempt === r.attempt && x.exit === 0);
    if (ends.length !== 1)
      bad.push(`${r.id}: ${ends.length} 'end' lines of its succeeded attempt ${r.attempt} (want 1)`);
    const starts = m.filter((x) => x.kind === 'start');
    for (const s of starts) {
      if (s.attempt > r.attempt)
        bad.push(`${r.id}: attempt ${s.attempt} started after attempt ${r.attempt} succeeded`);
      if (r.ended_at !== null && s.at > r.ended_at)
        bad.push(`${r.id}: attempt ${s.attempt} started at ${s.at}, after its success at ${r.ended_at}`);
    }
    const perAttempt = new Map<number, number>();
    for (const s of starts) perAttempt.set(s.attempt, (perAttempt.get(s.attempt) ?? 0) + 1);
    for (const [a, n] of perAttempt) if (n > 1) bad.push(`${r.id}: attempt ${a} started ${n} times`);
    for (const o of m.filter((x) => x.kind === 'overlap'))
      bad.push(`${r.id}: attempt ${o.attempt} (pid ${o.pid}) started while another copy ran (lock held)`);
    const spans = starts
      .map((s) => ({ s, e: m.find((x) => x.kind === 'end' && x.pid === s.pid && x.attempt === s.attempt) }))
      .filter((x) => x.e)
      .sort((a, b) => a.s.at - b.s.at);
    for (let i = 1; i < spans.length; i++) {
      const prev = spans[i - 1];
      if (spans[i].s.at < (prev.e as Mark).at)
        bad.push(`${r.id}: attempts ${prev.s.attempt} and ${spans[i].s.attempt} overlapped in time`);
    }
  }
  return bad;
}
