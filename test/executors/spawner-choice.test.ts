import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutorError } from '../../src/errors.js';
import { DEFAULT_SPAWNER, usablePython, wantedSpawner } from '../../src/executors/spawner-choice.js';
import { SpawnerPool } from '../../src/executors/spawner-pool.js';
import { tempDir } from '../engine/helpers.js';

const saved = process.env.QUANTA_SPAWNER;
afterEach(() => {
  if (saved === undefined) delete process.env.QUANTA_SPAWNER;
  else process.env.QUANTA_SPAWNER = saved;
});

describe('the spawner choice', () => {
  it('takes the option, else QUANTA_SPAWNER, else python, and refuses other values', () => {
    delete process.env.QUANTA_SPAWNER;
    expect(DEFAULT_SPAWNER).toBe('python');
    expect(wantedSpawner()).toBe('python');
    process.env.QUANTA_SPAWNER = 'node';
    expect(wantedSpawner()).toBe('node');
    expect(wantedSpawner('python')).toBe('python');
    process.env.QUANTA_SPAWNER = 'pyhton';
    let err: unknown;
    try {
      wantedSpawner();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as ExecutorError).code).toBe('SPAWNER_UNKNOWN');
    expect((err as Error).message).toMatch(/QUANTA_SPAWNER is 'pyhton'; it takes python .* or node/);
  });

  it.skipIf(process.platform !== 'linux')(
    "starts jobs from the system python3 by default on Linux (the jobs' parent is python)",
    async () => {
      delete process.env.QUANTA_SPAWNER;
      // the machines quanta runs on (Debian, the Slurm nodes) have a python3 >= 3.9
      expect(usablePython()).toMatch(/python3?/);
      const pool = new SpawnerPool(1, {});
      expect(pool.kind).toBe('python');
      const log = join(tempDir('sp-choice'), 'a.log');
      const r = await pool.run(
        { argv: ['/bin/sh', '-c', 'cat /proc/$PPID/comm'], env: {}, logPath: log },
        () => undefined,
      );
      await pool.shutdown();
      expect(r.exitCode).toBe(0);
      expect(readFileSync(log, 'utf8').trim()).toMatch(/^python/);
    },
  );
});
