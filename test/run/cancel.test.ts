/**
 * `quanta cancel` of what is not (yet) a run: a directory with nothing in it, and a run prepared
 * by `quanta qgraph` that was never started nor queued, get a one-paragraph error naming the
 * directory; nothing is written into it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCatalogueExit } from '../helpers/exit-code.js';

const bin = new URL('../../bin/quanta.js', import.meta.url).pathname;
const quanta = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('quanta cancel of what is not a run', () => {
  it('refuses an empty directory, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-cancel-'));
    const r = quanta(['cancel', dir]);
    expect(expectCatalogueExit(r.status, r.stderr)).toBe('NO_JOURNAL');
    expect(r.stderr).toContain(dir);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a prepared run that has no journal and no batch job', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-cancel-'));
    writeFileSync(join(dir, 'workflow.json'), JSON.stringify({ name: 'w', jobs: [] }));
    const r = quanta(['cancel', dir]);
    expect(expectCatalogueExit(r.status, r.stderr)).toBe('NO_JOURNAL');
    expect(r.stderr).toContain('slurm-jobs.json');
    expect(readdirSync(dir)).toEqual(['workflow.json']);
  });
});
