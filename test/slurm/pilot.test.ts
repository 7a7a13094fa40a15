/**
 * The pilot manager and real `quanta worker` processes on this machine, without Slurm: auth,
 * dispatch, results, a refused worker, a lost worker, and a worker whose manager vanished.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createPilotExecutor, ensureToken } from '../../src/executors/pilot/index.js';
import type { PilotExecutor } from '../../src/executors/pilot/index.js';
import { PROTOCOL_VERSION, encode } from '../../src/executors/pilot/protocol.js';
import { Recorder, commandJob, pidAlive, spawnWorker } from './recorder.js';
import type { SpawnedWorker } from './recorder.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-pilot-'));
  ensureToken(dir);
  return dir;
}

describe('pilot manager with local workers', () => {
  let ex: PilotExecutor | undefined;
  const workers: SpawnedWorker[] = [];
  afterEach(async () => {
    await ex?.shutdown();
    ex = undefined;
    for (const w of workers.splice(0)) w.child.kill('SIGKILL');
  });

  async function startManager(dir: string, rec: Recorder, extra = {}) {
    ex = createPilotExecutor({ submitDir: dir, listenHost: '127.0.0.1', ...extra });
    await ex.start(rec);
    return ex;
  }

  function worker(
    dir: string,
    url: string,
    node: string,
    tokenFile = join(dir, 'token'),
    more: string[] = [],
  ) {
    const w = spawnWorker(root, [
      '--manager',
      url,
      '--token-file',
      tokenFile,
      '--node',
      node,
      '--memory',
      '1000',
      '--cores',
      '2',
      ...more,
    ]);
    workers.push(w);
    return w;
  }

  it('runs jobs on two authenticated workers and reports their nodes', async () => {
    const dir = setup();
    const rec = new Recorder();
    const m = await startManager(dir, rec);
    worker(dir, m.url, 'alpha');
    worker(dir, m.url, 'beta');
    await rec.until(() => rec.joined.length === 2, 20_000, 'two workers');
    expect(rec.joined.map((w) => w.node).sort()).toEqual(['alpha', 'beta']);
    expect(rec.joined.every((w) => w.memoryMB === 1000 && w.cores === 2)).toBe(true);
    for (let i = 0; i < 6; i++) {
      const w = rec.joined[i % 2];
      m.dispatch(commandJob(`echo.${i}`, ['sh', '-c', 'echo hello $QUANTA_JOB_ID'], dir), w.id);
    }
    await rec.until(() => rec.finished.length === 6, 20_000, 'six results');
    expect(rec.finished.every((r) => r.outcome === 'succeeded')).toBe(true);
    expect(new Set(rec.finished.map((r) => r.node))).toEqual(new Set(['alpha', 'beta']));
    expect(readFileSync(join(dir, 'echo.3.log'), 'utf8')).toContain('hello echo.3');
    expect(rec.started.length).toBe(6);
    expect(m.workers().map((w) => w.running.length)).toEqual([0, 0]);
  });

  it('refuses a worker with a wrong token and logs it', async () => {
    const dir = setup();
    const rec = new Recorder();
    const m = await startManager(dir, rec);
    const bad = join(dir, 'bad-token');
    writeFileSync(bad, 'not-the-secret-of-this-run\n');
    const w = worker(dir, m.url, 'mallory', bad);
    expect(await w.exit).toBe(3);
    expect(w.output()).toMatch(/refused by the manager: authentication failed/);
    expect(rec.joined).toHaveLength(0);
    const log = readFileSync(join(dir, 'pilot', 'pilot.log'), 'utf8');
    expect(log).toMatch(/worker refused: authentication failed \(wrong token\)/);
    expect(log).toContain('mallory');
  });

  it('reports every job of a killed worker as lost and keeps the other', async () => {
    const dir = setup();
    const rec = new Recorder();
    const m = await startManager(dir, rec);
    const a = worker(dir, m.url, 'a');
    worker(dir, m.url, 'b');
    await rec.until(() => rec.joined.length === 2, 20_000, 'two workers');
    const wa = rec.joined.find((w) => w.node === 'a');
    const wb = rec.joined.find((w) => w.node === 'b');
    m.dispatch(commandJob('slow.1', ['sleep', '30'], dir), wa!.id);
    m.dispatch(commandJob('slow.2', ['sleep', '30'], dir), wa!.id);
    await rec.until(() => rec.started.length === 2, 20_000, 'two starts');
    a.child.kill('SIGKILL');
    await rec.until(() => rec.finished.length === 2, 20_000, 'lost results');
    expect(rec.lost.map((l) => l.workerId)).toEqual([wa!.id]);
    expect(rec.finished.map((r) => r.outcome)).toEqual(['lost', 'lost']);
    m.dispatch(commandJob('after.1', ['true'], dir), wb!.id);
    await rec.until(() => rec.finished.length === 3, 20_000, 'job on the survivor');
    expect(rec.finished[2]).toMatchObject({ id: 'after.1', outcome: 'succeeded', node: 'b' });
  });

  it('loses a worker that stops heartbeating', async () => {
    const dir = setup();
    const rec = new Recorder();
    const m = await startManager(dir, rec, { heartbeatMs: 200, heartbeatTimeoutMs: 1000 });
    const a = worker(dir, m.url, 'frozen');
    await rec.until(() => rec.joined.length === 1, 20_000, 'worker');
    m.dispatch(commandJob('held.1', ['sleep', '30'], dir), rec.joined[0].id);
    await rec.until(() => rec.started.length === 1, 20_000, 'start');
    a.child.kill('SIGSTOP'); // alive but silent, like a node behind a cut network
    await rec.until(() => rec.lost.length === 1, 10_000, 'loss by heartbeat');
    expect(rec.lost[0].reason).toMatch(/missed heartbeats/);
    expect(rec.finished[0]).toMatchObject({ id: 'held.1', outcome: 'lost' });
    a.child.kill('SIGCONT');
    expect(await a.exit).toBe(4);
  });

  it('a worker whose manager vanishes kills its jobs and exits non-zero', async () => {
    const dir = setup();
    const pidFile = join(dir, 'job.pid');
    // a bare manager speaking the protocol: challenge, welcome, one dispatch, then a dropped connection
    let dropped = false;
    const server = createServer((sock) => {
      sock.write(encode({ type: 'challenge', nonce: 'n'.repeat(32), protocol: PROTOCOL_VERSION }));
      sock.once('data', () => {
        sock.write(encode({ type: 'welcome', workerId: 'x', heartbeatMs: 500, heartbeatTimeoutMs: 60_000 }));
        const job = commandJob('long.1', ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`], dir);
        sock.write(encode({ type: 'dispatch', job }));
        const poll = setInterval(() => {
          if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) {
            clearInterval(poll);
            dropped = true;
            sock.destroy();
          }
        }, 50);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const w = worker(dir, `tcp://127.0.0.1:${port}`, 'orphan');
    expect(await w.exit).toBe(4);
    server.close();
    expect(dropped).toBe(true);
    expect(w.output()).toMatch(/manager gone/);
    const jobPid = Number(readFileSync(pidFile, 'utf8'));
    expect(pidAlive(jobPid)).toBe(false);
  });

  it('a worker stopped by SIGTERM (Slurm ending its step) kills its jobs first', async () => {
    const dir = setup();
    const rec = new Recorder();
    const m = await startManager(dir, rec);
    const w = worker(dir, m.url, 'ending');
    await rec.until(() => rec.joined.length === 1, 20_000, 'worker');
    const pidFile = join(dir, 'job.pid');
    m.dispatch(
      commandJob('long.2', ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`], dir),
      rec.joined[0].id,
    );
    await rec.until(() => rec.started.length === 1, 20_000, 'start');
    await new Promise((r) => setTimeout(r, 300));
    const jobPid = Number(readFileSync(pidFile, 'utf8'));
    expect(pidAlive(jobPid)).toBe(true);
    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(5);
    expect(pidAlive(jobPid)).toBe(false);
    await rec.until(() => rec.finished.length === 1, 20_000, 'lost result');
    expect(rec.finished[0]).toMatchObject({ id: 'long.2', outcome: 'lost' });
  });

  it('the token file is private to the user', () => {
    const dir = setup();
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
  });
});
