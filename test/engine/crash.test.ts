import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { openButler } from '../../src/butler/index.js';
import {
  chainsWithGather,
  makeRepo,
  markerCount,
  outputComplete,
  prng,
  quantaBin,
  tempDir,
} from './helpers.js';

const KILLS = 20;

function startManager(dir: string): ReturnType<typeof spawn> {
  const sd = join(dir, 'sd');
  const args = existsSync(join(sd, 'workflow.json'))
    ? ['restore', sd, '--cores', '2']
    : ['run-workflow', join(dir, 'wf.json'), '--submit-dir', sd, '--cores', '2'];
  return spawn(process.execPath, [quantaBin(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function succeededNow(dir: string): Map<string, number> {
  const sd = join(dir, 'sd');
  const out = new Map<string, number>();
  if (!existsSync(join(sd, 'journal.sqlite3'))) return out;
  const j = openJournalReadOnly(sd);
  try {
    for (const r of j.jobs({ state: 'succeeded' })) out.set(r.id, markerCount(dir, r.id));
  } finally {
    j.close();
  }
  return out;
}

/** Wait until the manager `pid` holds the run's lease (it is past start-up and driving the run). */
async function waitForLease(dir: string, pid: number, child: { exitCode: number | null }): Promise<boolean> {
  const sd = join(dir, 'sd');
  const until = Date.now() + 30_000;
  while (Date.now() < until && child.exitCode === null) {
    if (existsSync(join(sd, 'journal.sqlite3'))) {
      try {
        const j = openJournalReadOnly(sd);
        const holder = j.lease()?.pid;
        j.close();
        if (holder === pid) return true;
      } catch {
        // created but not initialised yet
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe('crash safety', () => {
  it(`survives kill -9 of the manager at ${KILLS} seeded random points`, async () => {
    const seed = Number(process.env.QUANTA_CRASH_SEED ?? Math.floor(Math.random() * 1e9));
    const rand = prng(seed);
    const dir = tempDir('crash9');
    // every job declares one output dataset, registered by the manager in the repository at `dir`
    const jobs = chainsWithGather(dir, 3, 8, 30).map(
      (j, k): Record<string, unknown> & { id: string; outputs: { id: string; [k: string]: unknown }[] } => ({
        id: j.id as string,
        ...j,
        outputs: [
          {
            id: randomUUID(),
            datasetType: 'thing',
            run: 'crash/run',
            dataId: { instrument: `I${k}` },
            path: `out/${j.id}.json`,
          },
        ],
      }),
    ); // 75 jobs
    await makeRepo(dir, jobs.length);
    writeFileSync(
      join(dir, 'wf.json'),
      JSON.stringify({ name: 'crash', butlerRoot: dir, outputCollection: 'crash/out', jobs }),
    );
    const points: string[] = [];
    const snapshots: Map<string, number>[] = [];
    let landed = 0;
    let attempts = 0;
    while (landed < KILLS && attempts < KILLS * 3) {
      attempts++;
      // a kill point: after the manager holds the lease, wait for `more` further jobs to succeed,
      // then `delay` ms; tied to progress, so machine load cannot move every point before the
      // run starts or after it ends
      const more = Math.floor(rand() * 3);
      const delay = Math.round(rand() * 150);
      const child = startManager(dir);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      if (!(await waitForLease(dir, child.pid as number, child))) break;
      const base = succeededNow(dir).size;
      while (child.exitCode === null && succeededNow(dir).size < base + more)
        await new Promise((r) => setTimeout(r, 15));
      await new Promise((r) => setTimeout(r, delay));
      if (child.exitCode !== null) break; // the run finished before this kill point
      child.kill('SIGKILL');
      await exited;
      landed++;
      points.push(`+${more} jobs +${delay} ms`);
      snapshots.push(succeededNow(dir));
    }
    console.log(
      `crash test seed=${seed} (QUANTA_CRASH_SEED to repeat); kill points (after taking the lease): ${points.join(', ')}`,
    );
    expect(landed).toBeGreaterThanOrEqual(KILLS);
    const final = spawnSync(
      process.execPath,
      [quantaBin(), 'restore', join(dir, 'sd'), '--cores', '2', '--json'],
      {
        encoding: 'utf8',
      },
    );
    expect(final.status, final.stderr).toBe(0);
    expect(JSON.parse(final.stdout).status).toBe('succeeded');
    const last = succeededNow(dir);
    expect(last.size).toBe(jobs.length);
    for (const [i, snap] of snapshots.entries()) {
      for (const [id, count] of snap) {
        // a job the journal called succeeded never ran again
        expect(markerCount(dir, id), `job ${id} ran again after kill ${i} (seed ${seed})`).toBe(count);
      }
    }
    for (const j of jobs) {
      expect(markerCount(dir, j.id as string)).toBeGreaterThanOrEqual(1);
      expect(outputComplete(dir, j.id as string), `output of ${j.id} is incomplete`).toBe(true);
    }
    // the registry holds exactly one dataset per output
    const b = await openButler(dir);
    try {
      const refs = await b.registry.findDatasets('thing', { collections: ['crash/out'] });
      expect(refs.map((r) => r.id).sort()).toEqual(jobs.map((j) => j.outputs[0].id).sort());
    } finally {
      await b.close();
    }
    // progress was made across incarnations: some jobs were already succeeded at the middle kill
    expect(snapshots[snapshots.length - 1].size).toBeGreaterThan(0);
    expect(snapshots[snapshots.length - 1].size).toBeLessThan(jobs.length);
  }, 120_000);
});
