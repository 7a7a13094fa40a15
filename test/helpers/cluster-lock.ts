/**
 * One test file at a time on the Slurm test cluster: its 3 nodes are whole-node (exclusive)
 * allocations, and a suite that holds them for minutes (faults, wall-time successors) would starve
 * another file's srun steps past their timeouts. The lock is a directory (mkdir is atomic) holding
 * the owner's pid; an owner that died leaves a lock the next file takes over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { pidAlive } from '../../src/util/pid.js';

export async function acquireClusterLock(slurmConf: string, timeoutMs = 30 * 60_000): Promise<() => void> {
  const lock = join(dirname(slurmConf), '..', 'test-cluster.lock');
  const t0 = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner'), String(process.pid));
      return () => {
        try {
          if (readFileSync(join(lock, 'owner'), 'utf8') === String(process.pid))
            rmSync(lock, { recursive: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lock, 'owner'), 'utf8'));
    } catch {
      // being created or removed right now
    }
    if (Number.isFinite(owner) && owner > 0 && !pidAlive(owner))
      rmSync(lock, { recursive: true, force: true });
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`the Slurm test cluster stayed locked for ${timeoutMs} ms (${lock})`);
    await sleep(500);
  }
}

/** In a describe block: hold the cluster for the whole file's tests. */
export function holdClusterDuringSuite(slurmConf: string): void {
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await acquireClusterLock(slurmConf);
  }, 31 * 60_000);
  afterAll(() => release?.());
}
