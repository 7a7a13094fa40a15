// A label killed for memory is fixed on restore: `--request-memory LABEL=MB` (or `--resources
// FILE.yaml`) gives it a new request, recorded so that later restores keep it. Real processes,
// real memory enforcement (the job runner kills a job over its requestMemory).
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { quantaBin, tempDir } from './helpers.js';

function quanta(args: string[]) {
  return spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8' });
}

/** `big` holds ~300 MB for a second (more than its 120 MB request); `after` needs it. */
function workflowFile(dir: string): string {
  const hog = 'const b = Buffer.alloc(300 * 1024 * 1024, 1); setTimeout(() => console.log(b.length), 1500);';
  const file = join(dir, 'oom.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'oom',
      numberOfRetries: 0,
      jobs: [
        { id: 'big.1', label: 'big', argv: [process.execPath, '-e', hog], requestMemory: 120 },
        {
          id: 'after.1',
          label: 'after',
          argv: [process.execPath, '-e', '0'],
          requestMemory: 64,
          needs: ['big.1'],
        },
      ],
    }),
  );
  return file;
}

function jobRow(submitDir: string, id: string) {
  const j = openJournalReadOnly(submitDir);
  try {
    return j.jobs().find((r) => r.id === id)!;
  } finally {
    j.close();
  }
}

function copiedRequest(submitDir: string, id: string): number {
  const wf = JSON.parse(readFileSync(join(submitDir, 'workflow.json'), 'utf8')) as {
    jobs: { id: string; requestMemory: number }[];
  };
  return wf.jobs.find((j) => j.id === id)!.requestMemory;
}

function failedForMemory(dir: string): string {
  const submitDir = join(dir, 'run');
  const first = quanta(['run-workflow', workflowFile(dir), '--submit-dir', submitDir, '--memory', '4000']);
  expect(first.status, first.stderr).toBe(1);
  expect(jobRow(submitDir, 'big.1')).toMatchObject({ state: 'failed', outcome: 'memory' });
  return submitDir;
}

describe('restore --request-memory', () => {
  it('re-runs a label killed for memory with the new request, which later restores keep', () => {
    const dir = tempDir('reqmem');
    const submitDir = failedForMemory(dir);

    // the new request alone (no --retry-failed) is recorded; the failed job stays failed
    const set = quanta(['restore', submitDir, '--request-memory', 'big=800', '--memory', '4000']);
    expect(set.status, set.stderr).toBe(1);
    expect(jobRow(submitDir, 'big.1')).toMatchObject({
      state: 'failed',
      request_memory: 800,
      memory_mb: 800,
    });
    expect(copiedRequest(submitDir, 'big.1')).toBe(800);
    expect(copiedRequest(submitDir, 'after.1')).toBe(64);

    // a later restore keeps it: the job now fits its request and succeeds
    const again = quanta(['restore', submitDir, '--retry-failed', '--memory', '4000', '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).totals).toMatchObject({ succeeded: 2, failed: 0 });
    const big = jobRow(submitDir, 'big.1');
    expect(big).toMatchObject({ state: 'succeeded', memory_mb: 800 });
    expect(big.peak_memory).toBeGreaterThan(120);

    // the run's files are the owner's
    expect(statSync(submitDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(submitDir, 'workflow.json')).mode & 0o777).toBe(0o600);
    expect(statSync(big.log_path!).mode & 0o777).toBe(0o600);
  });

  it('takes the new requests from a resources YAML too', () => {
    const dir = tempDir('reqmem-file');
    const submitDir = failedForMemory(dir);
    const res = join(dir, 'resources.yaml');
    writeFileSync(res, 'pipetask:\n  big:\n    requestMemory: 800\n');
    const r = quanta(['restore', submitDir, '--retry-failed', '--resources', res, '--memory', '4000']);
    expect(r.status, r.stderr).toBe(0);
    expect(jobRow(submitDir, 'big.1')).toMatchObject({ state: 'succeeded', request_memory: 800 });
  });

  it('refuses an unknown label or a malformed value, naming the option', () => {
    const dir = tempDir('reqmem-bad');
    const submitDir = failedForMemory(dir);
    const unknown = quanta(['restore', submitDir, '--request-memory', 'bgi=800']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /\[REQUEST_MEMORY_LABEL\].*no task label 'bgi' in this run \(labels: big, after\)/,
    );
    const bad = quanta(['restore', submitDir, '--request-memory', 'big']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/\[BAD_OPTION\] --request-memory 'big' is not LABEL=MB/);
    expect(copiedRequest(submitDir, 'big.1')).toBe(120);
  });
});
