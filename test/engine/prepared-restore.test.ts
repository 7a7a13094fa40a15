/**
 * A submit dir holding only a hand-written workflow.json (as `quanta sbatch` or a user prepares it):
 * `quanta restore` starts it, and later restores of that run still dispatch correctly. Restores
 * trust the workflow copy without validation, so the first start must leave it normalised
 * (requestCpus and other defaults filled in): a copy without them once sent `cpus: null` to the
 * pilot's workers, which refused the message.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantaBin, tempDir } from './helpers.js';

const quanta = (args: string[]) => spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8' });

describe('restore of a prepared submit dir', () => {
  it('starts from workflow.json, normalises it, and a later restore re-runs a failed job', () => {
    const dir = tempDir('prepared');
    const submitDir = join(dir, 'run');
    mkdirSync(submitDir);
    const mark = join(dir, 'second-time');
    // fails the first time it runs, succeeds the next; no retries so the first run ends failed
    const flaky = `test -f ${mark} || { touch ${mark}; exit 1; }`;
    writeFileSync(
      join(submitDir, 'workflow.json'),
      JSON.stringify({
        name: 'prepared',
        numberOfRetries: 0,
        jobs: [
          { id: 'a', label: 'a', argv: ['/bin/sh', '-c', flaky] },
          { id: 'b', label: 'b', argv: ['true'], needs: ['a'] },
        ],
      }),
    );
    const first = quanta(['restore', submitDir, '--json']);
    expect(first.status, first.stderr).toBe(1);
    expect(JSON.parse(first.stdout).totals).toMatchObject({ failed: 1, blocked: 1 });
    const copy = JSON.parse(readFileSync(join(submitDir, 'workflow.json'), 'utf8'));
    for (const j of copy.jobs) {
      expect(j.requestCpus).toBe(1);
      expect(typeof j.requestMemory).toBe('number');
      expect(Array.isArray(j.needs)).toBe(true);
    }
    const second = quanta(['restore', submitDir, '--retry-failed', '--json']);
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).totals).toMatchObject({ succeeded: 2, failed: 0, blocked: 0 });
  });
});
