/**
 * The pilot manager and real `quanta worker` processes on this machine, without Slurm: auth,
 * dispatch, results, a refused worker, a lost worker that rejoins, a worker whose manager
 * vanished, and fake managers that never prove the run's secret.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { proveManager } from '../../src/executors/pilot/auth.js';
import { createPilotExecutor, ensureToken } from '../../src/executors/pilot/index.js';
import type { PilotExecutor } from '../../src/executors/pilot/index.js';
import { encode } from '../../src/executors/pilot/protocol.js';
import { waitFor } from './cluster.js';
import { fakeManager } from './fake-manager.js';
import { Recorder, commandJob, pidAlive, spawnWorker } from './recorder.js';
import type { SpawnedWorker } from './recorder.js';
import { SPAWNERS, useSpawner } from '../helpers/spawners.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-pilot-'));
  ensureToken(dir);
  return dir;
}

describe.each(SPAWNERS)('pilot manager with local workers (%s spawner)', (spawner) => {
  useSpawner(spawner);
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

  it('loses a worker that stops heartbeating, whose job its own processes killed first; back, it rejoins as a new session', async () => {
    const dir = setup();
    const rec = new Recorder();
    const m = await startManager(dir, rec, { heartbeatMs: 200, heartbeatTimeoutMs: 1000 });
    const a = worker(dir, m.url, 'frozen');
    await rec.until(() => rec.joined.length === 1, 20_000, 'worker');
    const first = rec.joined[0].id;
    const pidFile = join(dir, 'held.pid');
    m.dispatch(commandJob('held.1', ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], dir), first);
    await rec.until(() => rec.started.length === 1, 20_000, 'start');
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 'pid');
    const jobPid = Number(readFileSync(pidFile, 'utf8'));
    a.child.kill('SIGSTOP'); // alive but silent, like a node behind a cut network
    await rec.until(() => rec.lost.length === 1, 10_000, 'loss by heartbeat');
    expect(rec.lost[0].reason).toMatch(/missed heartbeats/);
    expect(rec.finished[0]).toMatchObject({ id: 'held.1', outcome: 'lost' });
    // the frozen worker's spawner fenced the job (its lease lapsed) before the manager gave up
    expect(pidAlive(jobPid)).toBe(false);
    a.child.kill('SIGCONT');
    await rec.until(() => rec.joined.length === 2, 20_000, 'the worker back as a new session');
    expect(rec.joined[1]).toMatchObject({ id: `${first}.s2`, node: 'frozen' });
    expect(m.workers().map((w) => w.id)).toEqual([`${first}.s2`]);
    m.dispatch(commandJob('after.1', ['true'], dir), `${first}.s2`);
    await rec.until(() => rec.finished.length === 2, 20_000, 'a job on the rejoined worker');
    expect(rec.finished[1]).toMatchObject({ id: 'after.1', outcome: 'succeeded', node: 'frozen' });
    // the fenced session's attempt never came back as a result
    expect(rec.finished.filter((r) => r.id === 'held.1').map((r) => r.outcome)).toEqual(['lost']);
  });

  it('a worker whose manager vanishes kills its jobs and exits non-zero', async () => {
    const dir = setup();
    const pidFile = join(dir, 'job.pid');
    const token = readFileSync(join(dir, 'token'), 'utf8').trim();
    // a bare manager that knows the secret: challenge, welcome with its proof, one dispatch; then it dies
    let dropped = false;
    const fm = await fakeManager((sock, hello, nonce) => {
      const proof = proveManager(token, hello.nonce, nonce, hello.workerId);
      sock.write(
        encode({
          type: 'welcome',
          workerId: hello.workerId,
          heartbeatMs: 500,
          heartbeatTimeoutMs: 60_000,
          proof,
        }),
      );
      const job = commandJob('long.1', ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`], dir);
      sock.write(encode({ type: 'dispatch', job }));
      const poll = setInterval(() => {
        if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) {
          clearInterval(poll);
          dropped = true;
          fm.server.close(); // the manager's process is gone: nobody listens on its port
          sock.destroy();
        }
      }, 50);
    });
    const w = worker(dir, fm.url, 'orphan');
    expect(await w.exit).toBe(4);
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
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 'pid');
    const jobPid = Number(readFileSync(pidFile, 'utf8'));
    expect(pidAlive(jobPid)).toBe(true);
    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(5);
    expect(pidAlive(jobPid)).toBe(false);
    await rec.until(() => rec.finished.length === 1, 20_000, 'lost result');
    expect(rec.finished[0]).toMatchObject({ id: 'long.2', outcome: 'lost' });
  });

  for (const [what, afterHello] of [
    ['ignores the answer and sends a run command', 'dispatch'],
    ['welcomes with a made-up proof, then sends a run command', 'bad-proof'],
    ['welcomes with a replayed proof, then sends a run command', 'replayed-proof'],
    ['sends garbage', 'garbage'],
  ] as const) {
    it(`a worker runs nothing for a fake manager that ${what}`, async () => {
      const dir = setup();
      const marker = join(dir, 'ran-as-root');
      const job = commandJob('evil.1', ['sh', '-c', `touch ${marker}`], dir);
      // a proof the real manager would give, for another worker nonce (a recorded session's)
      const token = readFileSync(join(dir, 'token'), 'utf8').trim();
      const fm = await fakeManager((sock, hello, nonce) => {
        const welcome = (proof: string) =>
          encode({
            type: 'welcome',
            workerId: hello.workerId,
            heartbeatMs: 500,
            heartbeatTimeoutMs: 60_000,
            proof,
          });
        if (afterHello === 'bad-proof') sock.write(welcome('0'.repeat(64)));
        if (afterHello === 'replayed-proof')
          sock.write(welcome(proveManager(token, 'cd'.repeat(24), nonce, hello.workerId)));
        if (afterHello === 'garbage') sock.write(`${'x'.repeat(100_000)}\n`);
        sock.write(encode({ type: 'dispatch', job }));
      });
      try {
        const w = worker(dir, fm.url, 'victim');
        // a line longer than a stranger may send is cut before it is read (could not join: 4)
        expect(await w.exit).toBe(afterHello === 'garbage' ? 4 : 6);
        expect(w.output()).toMatch(
          afterHello === 'garbage' ? /could not join \(line longer than/ : /the manager .* ran nothing/,
        );
        await new Promise((r) => setTimeout(r, 300));
        expect(existsSync(marker)).toBe(false);
        expect(existsSync(job.logPath)).toBe(false);
      } finally {
        await fm.close();
      }
    });
  }

  it('a manager on a submit dir that does not exist yet makes it and its token', async () => {
    const dir = join(setup(), 'NEW', 'run');
    const rec = new Recorder();
    const m = await startManager(dir, rec);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
    worker(dir, m.url, 'fresh');
    await rec.until(() => rec.joined.length === 1, 20_000, 'worker');
  });

  it('the token file is private to the user', () => {
    const dir = setup();
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
  });
});
