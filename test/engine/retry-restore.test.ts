/**
 * Retries count only a job's own failures: a manager killed with `kill -9` during an attempt
 * does not use up a retry, and a memory raise after a memory kill is kept across the restore.
 * Runs the CLI (`run-workflow`, `restore`) and kills the manager for real.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly, type JobRow } from '../../src/engine/journal-read.js';
import { job, markerCount, quantaBin, tempDir, waitFor } from './helpers.js';

/**
 * A job that fails on its first run to the end and succeeds on the next: it sleeps `ms`, then
 * leaves `flag` and exits 1 unless the flag was there when it started.
 */
function failsOnceArgv(flag: string, ms: number): string[] {
  const code = `const fs = require('node:fs');
const had = fs.existsSync(${JSON.stringify(flag)});
setTimeout(() => { fs.writeFileSync(${JSON.stringify(flag)}, ''); process.exit(had ? 0 : 1); }, ${ms});`;
  return [process.execPath, '-e', code];
}

function row(sd: string, id: string): JobRow | undefined {
  if (!existsSync(join(sd, 'journal.sqlite3'))) return undefined;
  try {
    const j = openJournalReadOnly(sd);
    try {
      return j.jobs().find((r) => r.id === id);
    } finally {
      j.close();
    }
  } catch {
    return undefined; // created but not initialised yet
  }
}

/** Start `quanta run-workflow`, wait until `id` runs attempt `attempt`, then kill -9 the manager. */
async function runAndKillDuring(dir: string, id: string, attempt: number): Promise<void> {
  const sd = join(dir, 'sd');
  const child = spawn(
    process.execPath,
    [quantaBin(), 'run-workflow', join(dir, 'wf.json'), '--submit-dir', sd, '--cores', '2'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitFor(() => {
      const r = row(sd, id);
      return r?.state === 'running' && r.attempt === attempt;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 200)); // the job process is up
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

function restore(sd: string): { status: number | null; summary: { status?: string }; stderr: string } {
  const r = spawnSync(process.execPath, [quantaBin(), 'restore', sd, '--cores', '2', '--json'], {
    encoding: 'utf8',
  });
  let summary: { status?: string } = {};
  try {
    summary = JSON.parse(r.stdout) as { status?: string };
  } catch {
    // no JSON: the status code and stderr say why
  }
  return { status: r.status, summary, stderr: r.stderr };
}

describe('retries after a crash of the manager', () => {
  it('does not count an attempt interrupted by kill -9 of the manager against numberOfRetries', async () => {
    const dir = tempDir('retry-crash');
    const flag = join(dir, 'markers', 'flaky.ran');
    const jobs = [
      { ...job(dir, 'flaky', 'f', { numberOfRetries: 1 }), argv: failsOnceArgv(flag, 1500) },
      { ...job(dir, 'after', 'g'), needs: ['flaky'] }, // flaky writes no output for it to read
    ];
    writeFileSync(join(dir, 'wf.json'), JSON.stringify({ name: 'retry-crash', jobs }));
    await runAndKillDuring(dir, 'flaky', 1);
    expect(existsSync(flag)).toBe(false); // attempt 1 died with its manager, before its end

    const sd = join(dir, 'sd');
    const r = restore(sd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.summary.status).toBe('succeeded');
    const flaky = row(sd, 'flaky');
    // three dispatches (the interrupted one, the failure, the success), one counted failure
    expect(flaky).toMatchObject({ state: 'succeeded', attempt: 3, failures: 1 });
    // every dispatch its own log
    expect(readdirSync(join(sd, 'logs', 'f')).sort()).toEqual(['flaky.1.log', 'flaky.2.log', 'flaky.3.log']);
    expect(markerCount(dir, 'after')).toBe(1);
    const status = spawnSync(process.execPath, [quantaBin(), 'status', sd, '--label', 'f', '--json'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(status.stdout).jobs[0]).toMatchObject({ attempts: 3, failures: 1 });
  }, 90_000);

  it('keeps the memory raised after a memory kill when the manager dies during the next attempt', async () => {
    const dir = tempDir('retry-mem');
    const jobs = [
      job(dir, 'big', 'm', {
        alloc: 300,
        sleep: 3000,
        requestMemory: 150,
        numberOfRetries: 1,
        memoryMultiplier: 3,
      }),
    ];
    writeFileSync(join(dir, 'wf.json'), JSON.stringify({ name: 'retry-mem', jobs, enforceMemory: true }));
    await runAndKillDuring(dir, 'big', 2); // attempt 1 was killed for memory, 2 runs with 450 MB
    const sd = join(dir, 'sd');
    expect(row(sd, 'big')).toMatchObject({ memory_mb: 450, failures: 1 });

    const r = restore(sd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.summary.status).toBe('succeeded');
    expect(row(sd, 'big')).toMatchObject({ state: 'succeeded', attempt: 3, failures: 1, memory_mb: 450 });
    expect(markerCount(dir, 'big')).toBe(3);
  }, 90_000);
});
