/**
 * Which file system a run's journal is on, and a warning when SQLite's WAL cannot be trusted
 * there: WAL needs POSIX locks that work, and its shared-memory index (journal.sqlite3-shm) is
 * only coherent between processes of one host. NFS, SMB and Lustre without `flock` give neither.
 * Linux only (/proc/self/mountinfo); elsewhere nothing is said. See docs/engine.md, "Where the
 * journal must live".
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  /** per-mount and super-block options, together */
  options: string[];
}

/** The entries of a /proc/<pid>/mountinfo text. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash < 6 || f.length < dash + 3) continue;
    // octal escapes (\040 for a space) in paths
    const unescape = (s: string): string =>
      s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.push({
      mountPoint: unescape(f[4]),
      fsType: f[dash + 1],
      options: [...f[5].split(','), ...(f[dash + 3] ?? '').split(',')].filter(Boolean),
    });
  }
  return out;
}

/** The mount that holds `path` (the longest mount point above it; the last such, as the kernel). */
export function mountOf(path: string, mounts: MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const inside = mp === '/' || path === mp || path.startsWith(`${mp}/`);
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

const NETWORK = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'lustre',
  'beegfs',
  'glusterfs',
  'fuse.glusterfs',
  'ceph',
  'fuse.ceph-fuse',
  'fuse.sshfs',
  'panfs',
  'afs',
  '9p',
]);

/**
 * Why a file system is not safe for the journal, or undefined when it is: local file systems,
 * GPFS, and Lustre mounted with `flock` (coherent POSIX locks; still one host at a time for the WAL).
 */
export function journalFsProblem(m: MountEntry): string | undefined {
  if (!NETWORK.has(m.fsType)) return undefined;
  if (m.fsType === 'lustre' && m.options.includes('flock')) return undefined;
  if (m.fsType === 'lustre') {
    return `Lustre mounted without the flock option (${m.options.includes('localflock') ? 'localflock: locks are per node' : 'no POSIX locks'})`;
  }
  return `a network file system (${m.fsType})`;
}

/** The nearest existing directory at or above `dir`, resolved (the submit dir may not exist yet). */
function existingReal(dir: string): string {
  let d = resolve(dir);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    return realpathSync(d);
  } catch {
    return d;
  }
}

/**
 * A one-paragraph warning when the journal of `submitDir` would live on a file system where
 * SQLite's WAL is not safe; undefined when it is safe, or when the mounts cannot be read.
 */
export function journalFilesystemWarning(submitDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  return warningFor(submitDir, existingReal(submitDir), parseMountInfo(text));
}

/** The warning for a submit dir whose (resolved) path is `path`, given the mounts. */
export function warningFor(submitDir: string, path: string, mounts: MountEntry[]): string | undefined {
  const m = mountOf(path, mounts);
  const problem = m && journalFsProblem(m);
  if (!m || !problem) return undefined;
  return `quanta: warning: the journal of ${submitDir} (journal.sqlite3, SQLite in WAL mode) is on ${problem}, mounted at ${m.mountPoint}. SQLite's WAL needs working POSIX locks and one host at a time: two managers may both take the run's lease, and status, report or the dashboard on another host may read a stale or damaged journal. Put the submit dir on a local disk, GPFS or Lustre mounted with flock (submitPath in the submit YAML, or --submit-dir); docs/engine.md, "Where the journal must live", says why.`;
}
