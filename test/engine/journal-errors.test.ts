/**
 * A damaged journal or workflow.json, a read-only submit dir and a full disk: status and restore
 * print one paragraph with a code and the file (no stack trace), and never run finished jobs
 * again because their journal was lost. Run through the real CLI on real files; the read-only dir
 * is `chattr +i` and the full disk a 1 MB tmpfs (both need root: skipped with the reason if not).
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  journalFilesystemWarning,
  journalFsProblem,
  mountOf,
  parseMountInfo,
  warningFor,
} from '../../src/engine/journal-fs.js';
import { job, markerCount, quantaBin, tempDir } from './helpers.js';

function quanta(args: string[]) {
  return spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8' });
}

/** The CLI's error paragraph: `quanta: error [CODE] ...`, one line, no stack. */
function expectError(r: ReturnType<typeof quanta>, code: string, exit: number): void {
  expect(r.status, r.stderr).toBe(exit);
  expect(r.stderr).toMatch(new RegExp(`^quanta: error \\[${code}\\] `, 'm'));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('SqliteError');
}

function sh(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
}

let dir: string;
let done: string;

beforeAll(() => {
  dir = tempDir('journal-errors');
  writeFileSync(
    join(dir, 'w.json'),
    JSON.stringify({ name: 'two', jobs: [job(dir, 'a', 'x'), job(dir, 'b', 'x', { needs: ['a'] })] }),
  );
  done = join(dir, 'done');
  const r = quanta(['run-workflow', join(dir, 'w.json'), '--submit-dir', done]);
  expect(r.status, r.stderr).toBe(0);
}, 60_000);

/** A copy of the finished run, to damage. */
function copyRun(name: string): string {
  const to = join(dir, name);
  cpSync(done, to, { recursive: true });
  return to;
}

describe('a damaged journal', () => {
  it('refuses a 0-byte journal, saying how to recover, instead of running every job again', () => {
    const sd = copyRun('empty');
    truncateSync(join(sd, 'journal.sqlite3'), 0);
    for (const cmd of ['status', 'report', 'restore']) {
      const r = quanta([cmd, sd]);
      expectError(r, 'JOURNAL_EMPTY', 2);
      expect(r.stderr).toContain(join(sd, 'journal.sqlite3'));
      expect(r.stderr).toContain('move it aside');
    }
    expect(markerCount(dir, 'a')).toBe(1);
    expect(markerCount(dir, 'b')).toBe(1);
    // the recovery it gives works: moved aside, the run starts again from workflow.json
    const aside = quanta(['restore', sd]).stderr.match(/`mv (\S+) (\S+)`/);
    expect(aside).not.toBeNull();
    renameSync(aside![1], aside![2]);
    const again = quanta(['restore', sd]);
    expect(again.status, again.stderr).toBe(0);
    expect(markerCount(dir, 'a')).toBe(2);
  }, 60_000);

  it('refuses a truncated journal (cut at 100 bytes and at half) and a file that is not SQLite', () => {
    const size = statSync(join(done, 'journal.sqlite3')).size;
    const cases: [string, (f: string) => void][] = [
      ['cut100', (f) => truncateSync(f, 100)],
      ['cuthalf', (f) => truncateSync(f, Math.floor(size / 2))],
      ['garbage', (f) => writeFileSync(f, 'this is not a database\n'.repeat(100))],
    ];
    for (const [name, damage] of cases) {
      const sd = copyRun(name);
      damage(join(sd, 'journal.sqlite3'));
      for (const cmd of ['status', 'restore']) {
        const r = quanta([cmd, sd]);
        expectError(r, 'JOURNAL_CORRUPT', 2);
        expect(r.stderr).toContain(join(sd, 'journal.sqlite3'));
      }
    }
    expect(markerCount(dir, 'a')).toBeLessThanOrEqual(2);
  }, 60_000);

  it('refuses a truncated workflow.json with its line and column', () => {
    const sd = copyRun('wf-cut');
    const wf = join(sd, 'workflow.json');
    truncateSync(wf, Math.floor(readFileSync(wf).length / 2));
    const r = quanta(['restore', sd]);
    expectError(r, 'WORKFLOW_JSON', 2);
    expect(r.stderr).toMatch(/workflow\.json:1:\d+:/);
    expect(r.stderr).toContain('cut short');
  });
});

const canChattr = (() => {
  const probe = tempDir('chattr-probe');
  const ok = sh('chattr', ['+i', probe]);
  if (ok) sh('chattr', ['-i', probe]);
  return ok;
})();

describe.skipIf(!canChattr)('a read-only submit dir (chattr +i; needs root and ext4/xfs)', () => {
  let sd: string;
  beforeAll(() => {
    sd = copyRun('readonly');
    expect(sh('chattr', ['-R', '+i', sd])).toBe(true);
  });
  afterAll(() => {
    sh('chattr', ['-R', '-i', sd]);
  });

  it('status and report read it; restore says it is not writable', () => {
    const st = quanta(['status', sd, '--json']);
    expect(st.status, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout).totals.succeeded).toBe(2);
    expect(quanta(['report', sd]).status).toBe(0);
    const r = quanta(['restore', sd]);
    expect(r.status, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/^quanta: error \[(FILE_NOT_WRITABLE|JOURNAL_READONLY)\] /m);
    expect(r.stderr).toContain(sd);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

const mnt = join(tempDir('tmpfs'), 'mnt');
mkdirSync(mnt);
const canMount = sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);

describe.skipIf(!canMount)('a full disk (a 1 MB tmpfs; needs root and mount)', () => {
  afterAll(() => {
    sh('umount', [mnt]);
  });

  it('a new run, a restore and a run that fills the disk say DISK_FULL; no 0-byte journal is left', () => {
    const run = join(mnt, 'run');
    cpSync(done, run, { recursive: true });
    // fill it
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=4k', 'count=1000'], { encoding: 'utf8' });
    const fresh = join(mnt, 'fresh');
    const r1 = quanta(['run-workflow', join(dir, 'w.json'), '--submit-dir', fresh]);
    expect(r1.status, r1.stderr).toBe(5);
    expect(r1.stderr).toMatch(/^quanta: error \[(DISK_FULL|FILE_NOT_WRITABLE)\] /m);
    expect(r1.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(fresh, 'journal.sqlite3'))).toBe(false);
    const r2 = quanta(['restore', run, '--retry-failed']);
    expectError(r2, 'DISK_FULL', 5);
    // status still reads it
    expect(quanta(['status', run]).status).toBe(0);
  }, 60_000);
});

describe('the journal file system check', () => {
  const info = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '40 22 0:40 / /home rw,relatime shared:2 - nfs4 srv:/home rw,vers=4.2',
    '41 22 0:41 / /lus rw shared:3 - lustre 10.0.0.1@o2ib:/lus rw,localflock',
    '42 22 0:42 / /lus2 rw shared:4 - lustre 10.0.0.1@o2ib:/lus2 rw,flock',
    '43 22 0:43 / /scratch\\040space rw shared:5 - xfs /dev/sdb rw',
  ].join('\n');

  it('finds the mount of a path and its type, octal escapes included', () => {
    const mounts = parseMountInfo(info);
    expect(mountOf('/home/me/submit/run', mounts)?.fsType).toBe('nfs4');
    expect(mountOf('/homework', mounts)?.fsType).toBe('ext4');
    expect(mountOf('/scratch space/x', mounts)?.fsType).toBe('xfs');
    expect(journalFsProblem(mountOf('/lus/run', mounts)!)).toContain('localflock');
    expect(journalFsProblem(mountOf('/lus2/run', mounts)!)).toBeUndefined();
  });

  it('warns for NFS and Lustre without flock, not for a local disk', () => {
    const mounts = parseMountInfo(info);
    const warn = (p: string) => warningFor(p, p, mounts);
    expect(warn('/home/me/submit/run')).toContain('nfs4');
    expect(warn('/home/me/submit/run')).toContain('mounted at /home');
    expect(warn('/lus/run')).toContain('Lustre');
    expect(warn('/lus2/run')).toBeUndefined();
    expect(warn('/tmp/run')).toBeUndefined();
    // and on this machine's own mounts: the test dir is local
    expect(journalFilesystemWarning(dir)).toBeUndefined();
  });
});
