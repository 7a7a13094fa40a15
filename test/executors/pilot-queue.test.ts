/**
 * The pilot worker's queue: the manager sends each worker up to `prefetch` budgets' worth of jobs
 * beyond its free budget (the engine's scheduler packs them so), and the worker starts them as
 * its own jobs end. Real `quanta worker` processes on this machine, without Slurm.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createPilotExecutor, ensureToken } from '../../src/executors/pilot/index.js';
import type { PilotExecutor } from '../../src/executors/pilot/index.js';
import { Recorder, commandJob, spawnWorker } from '../slurm/recorder.js';
import type { SpawnedWorker } from '../slurm/recorder.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('pilot worker queue', () => {
  let ex: PilotExecutor | undefined;
  const workers: SpawnedWorker[] = [];
  afterEach(async () => {
    await ex?.shutdown();
    ex = undefined;
    for (const w of workers.splice(0)) w.child.kill('SIGKILL');
  });

  async function oneWorker(extra = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-pilot-queue-'));
    ensureToken(dir);
    const rec = new Recorder();
    ex = createPilotExecutor({ submitDir: dir, listenHost: '127.0.0.1', ...extra });
    await ex.start(rec);
    const w = spawnWorker(root, [
      '--manager',
      ex.url,
      '--token-file',
      join(dir, 'token'),
      '--node',
      'alpha',
      '--memory',
      '1000',
      '--cores',
      '2',
    ]);
    workers.push(w);
    await rec.until(() => rec.joined.length === 1, 20_000, 'the worker');
    return { dir, rec, m: ex, id: rec.joined[0].id };
  }

  it('tells the engine its workers hold one budget queued with prefetch 1, two by default, none with 0', async () => {
    const a = await oneWorker({ prefetch: 1 });
    expect(a.rec.joined[0].prefetch).toBe(1);
    await ex?.shutdown();
    const b = await oneWorker();
    expect(b.rec.joined[0].prefetch).toBe(2);
    await ex?.shutdown();
    const c = await oneWorker({ prefetch: 0 });
    expect(c.rec.joined[0].prefetch).toBeUndefined();
  });

  it('runs no more jobs at once than its cores and starts queued ones as others end', async () => {
    const { dir, rec, m, id } = await oneWorker({ prefetch: 1 });
    const n = 6;
    for (let i = 0; i < n; i++) {
      const script = 'echo start $(date +%s%N); sleep 0.4; echo end $(date +%s%N)';
      m.dispatch(commandJob(`q.${i}`, ['sh', '-c', script], dir), id);
    }
    await rec.until(() => rec.finished.length === n, 30_000, 'six results');
    expect(rec.finished.every((r) => r.outcome === 'succeeded')).toBe(true);
    const spans = Array.from({ length: n }, (_, i) => {
      const log = readFileSync(join(dir, `q.${i}.log`), 'utf8');
      const at = (what: string) => Number(new RegExp(`${what} (\\d+)`).exec(log)?.[1]) / 1e6;
      return { start: at('start'), end: at('end') };
    });
    const most = Math.max(
      ...spans.map((s) => spans.filter((o) => o.start <= s.start && s.start < o.end).length),
    );
    expect(most).toBe(2);
  });

  it('ends a queued job killed before it started as cancelled, without running it', async () => {
    const { dir, rec, m, id } = await oneWorker({ prefetch: 1 });
    m.dispatch(commandJob('long.1', ['sleep', '30'], dir), id);
    m.dispatch(commandJob('long.2', ['sleep', '30'], dir), id);
    m.dispatch(commandJob('queued.1', ['sh', '-c', 'echo ran'], dir), id);
    await rec.until(() => rec.started.length === 2, 20_000, 'two jobs started');
    m.kill('queued.1');
    await rec.until(() => rec.finished.length === 1, 20_000, 'the queued job ends');
    expect(rec.finished[0]).toMatchObject({ id: 'queued.1', outcome: 'cancelled', exitCode: null });
    expect(existsSync(join(dir, 'queued.1.log'))).toBe(false);
    expect(rec.started.map((s) => s.jobId).sort()).toEqual(['long.1', 'long.2']);
    m.kill('long.1');
    m.kill('long.2');
    await rec.until(() => rec.finished.length === 3, 20_000, 'the killed jobs end');
    expect(rec.finished.slice(1).every((r) => r.outcome === 'cancelled')).toBe(true);
  });
});
