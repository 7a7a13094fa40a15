/**
 * The pilot executor (manager side). It listens on the allocation's network, lets in workers that
 * answer the run's challenge (and proves the secret to them in turn), reports their budgets to
 * the engine (which packs jobs into them exactly as locally), forwards dispatches and kills, and
 * relays results. A worker that closes its connection or misses heartbeats is lost: the engine
 * hears `workerLost` first (so nothing new goes there) and then a result with outcome 'lost' for
 * every job it held, which the engine re-queues as a new attempt (its own log) that does not count
 * as a retry. Results of the lost session are never taken. The others keep going; the lost worker
 * may rejoin as a new session (after killing what it ran), and a worker step that ended is
 * relaunched on its node while that node is in the allocation (relaunch.ts).
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { DispatchJob, ExecutorEvents, JobResult, WorkerInfo } from '../../engine/executor.js';
import { ensureToken, newNonce, proveManager, tokenPath, verifyAnswer } from './auth.js';
import { launchWorkers, stopSteps } from './launch.js';
import type { LaunchedStep } from './launch.js';
import { LineSocket } from './line-socket.js';
import { createPilotLog, pilotDir } from './pilot-log.js';
import type { PilotLog } from './pilot-log.js';
import { advertisedHost, envInt } from './options.js';
import type { PilotExecutor, PilotExecutorOptions, PilotWorker } from './options.js';
import { waitForJoins } from './join-wait.js';
import { planWorkers } from './plan.js';
import type { WorkerLaunchSpec } from './launch.js';
import { Relauncher } from './relaunch.js';
import {
  MAX_LINE_BYTES,
  MAX_PREAUTH_BYTES,
  PROTOCOL_VERSION,
  decodeWorkerMessage,
  encode,
  formatManagerUrl,
} from './protocol.js';
import type { ManagerMessage, WorkerMessage } from './protocol.js';

interface Session {
  ls: LineSocket;
  remote: string;
  state: 'auth' | 'ready' | 'gone';
  nonce: string;
  info?: WorkerInfo;
  pid: number;
  jobs: Map<string, { job: DispatchJob; startedAt?: number }>;
  authTimer?: NodeJS.Timeout;
}

export function createPilotExecutor(opts: PilotExecutorOptions): PilotExecutor {
  return new PilotManager(opts);
}

/** budgets' worth of jobs a worker is sent beyond its free budget when nothing says */
const DEFAULT_PREFETCH = 2;

class PilotManager implements PilotExecutor {
  readonly name = 'pilot';
  url = '';
  private readonly env: NodeJS.ProcessEnv;
  private readonly token: string;
  private readonly log: PilotLog;
  private readonly hbMs: number;
  private readonly hbTimeoutMs: number;
  private readonly prefetch: number;
  private server?: Server;
  private events?: ExecutorEvents;
  private readonly sessions = new Set<Session>();
  private readonly byId = new Map<string, Session>();
  private steps: LaunchedStep[] = [];
  private hbTimer?: NodeJS.Timeout;
  private stopping = false;
  private joinWaiter?: () => void;
  /** random per manager process: a worker rejoins only the manager it joined */
  private readonly managerId = newNonce().slice(0, 16);
  /** nodes a worker joined from, ever (a worker that left still joined) */
  private readonly joinedNodes = new Set<string>();
  private readonly specs = new Map<string, WorkerLaunchSpec>();
  private relauncher?: Relauncher;

  constructor(private readonly opts: PilotExecutorOptions) {
    if (!opts.provider !== !opts.launcher)
      throw new Error('createPilotExecutor: give both a provider and a launcher, or neither');
    this.env = opts.env ?? process.env;
    this.token = opts.token ?? ensureToken(opts.submitDir);
    this.log = opts.log ?? createPilotLog(opts.submitDir);
    this.hbMs = opts.heartbeatMs ?? envInt(this.env.QUANTA_PILOT_HEARTBEAT_MS) ?? 2000;
    this.hbTimeoutMs =
      opts.heartbeatTimeoutMs ?? envInt(this.env.QUANTA_PILOT_HEARTBEAT_TIMEOUT_MS) ?? 20_000;
    // 2: 1,157 against 1,027 no-op jobs/s on the 3-node test cluster (bench/README.md, "Peers")
    this.prefetch = opts.prefetch ?? envInt(this.env.QUANTA_PILOT_PREFETCH) ?? DEFAULT_PREFETCH;
  }

  workers(): PilotWorker[] {
    return [...this.byId.values()].map((s) => ({
      ...(s.info as WorkerInfo),
      pid: s.pid,
      remote: s.remote,
      running: [...s.jobs.keys()],
    }));
  }

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    const listenHost = this.opts.listenHost ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, listenHost, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.url = formatManagerUrl(advertisedHost(listenHost, this.opts.advertiseHost, this.env), port);
    this.log.info('manager listening', { url: this.url, listen: `${listenHost}:${port}` });
    this.hbTimer = setInterval(() => this.beat(), this.hbMs);
    this.hbTimer.unref();

    let expected = this.opts.expectedWorkers ?? 0;
    const { provider, launcher } = this.opts;
    if (provider && launcher) {
      const nodes = await provider.nodes();
      if (this.stopping) return; // shut down while we asked the provider
      const plan = planWorkers(nodes, this.opts);
      for (const w of plan.warnings) this.log.warn(w);
      for (const spec of plan.specs) this.specs.set(spec.node, spec);
      this.relauncher = new Relauncher(
        {
          maxPerNode: this.opts.maxRelaunches ?? envInt(this.env.QUANTA_PILOT_MAX_RELAUNCHES) ?? 5,
          baseDelayMs: this.opts.relaunchDelayMs ?? envInt(this.env.QUANTA_PILOT_RELAUNCH_DELAY_MS) ?? 2000,
          maxDelayMs: 60_000,
        },
        {
          liveNodes: async () =>
            provider.liveNodes ? provider.liveNodes() : (await provider.nodes()).map((n) => n.name),
          launch: (node) => this.launch([this.specs.get(node) as WorkerLaunchSpec]),
          stopping: () => this.stopping,
          log: this.log,
        },
      );
      this.launch(plan.specs);
      this.log.info('launched workers', {
        provider: provider.name,
        launcher: launcher.name,
        nodes: plan.specs.map((s) => s.node).join(','),
      });
      expected = this.opts.expectedWorkers ?? plan.specs.length;
    }
    if (expected > 0) await this.waitForWorkers(expected);
  }

  private launch(specs: WorkerLaunchSpec[]): void {
    const launcher = this.opts.launcher;
    if (!launcher || this.stopping) return;
    const steps = launchWorkers(
      {
        managerUrl: this.url,
        tokenFile: tokenPath(this.opts.submitDir),
        logDir: pilotDir(this.opts.submitDir),
        specs,
        launcher,
        workerCommand: this.opts.workerCommand,
        env: this.env,
      },
      (step) => {
        this.log.info('worker step ended', { node: step.node, exitCode: step.exitCode });
        this.relauncher?.stepEnded(step.node, step.exitCode);
        this.joinWaiter?.();
      },
    );
    this.steps.push(...steps);
  }

  private waitForWorkers(expected: number): Promise<void> {
    return waitForJoins({
      expected,
      timeoutMs: this.opts.joinTimeoutMs ?? 120_000,
      joined: () => this.joinedNodes.size,
      stopped: () => this.stopping,
      stepsDone: () =>
        this.steps.length > 0 && this.steps.every((s) => s.exited) && !this.relauncher?.pending,
      onChange: (cb) => (this.joinWaiter = cb),
      warn: (m) => this.log.warn(m),
      noneMessage: (why) =>
        `no pilot worker joined ${this.url} ${why}: see ${pilotDir(this.opts.submitDir)}/worker-*.log and pilot.log`,
    });
  }

  dispatch(job: DispatchJob, workerId: string): void {
    const s = this.byId.get(workerId);
    if (!s || s.state !== 'ready') {
      // raced with the worker's loss: hand the job back like any other job of a lost worker
      setImmediate(() =>
        this.events?.jobFinished(lostResult(job, workerId, '?', Date.now(), 'worker is gone')),
      );
      return;
    }
    s.jobs.set(job.id, { job });
    this.send(s, { type: 'dispatch', job });
  }

  kill(jobId: string): void {
    for (const s of this.byId.values()) if (s.jobs.has(jobId)) this.send(s, { type: 'kill', jobId });
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.joinWaiter?.(); // start() stops waiting for workers: the run ended without them
    this.relauncher?.cancel();
    if (this.hbTimer) clearInterval(this.hbTimer);
    // steps with no worker in now (still starting, or rejoining) are stopped at once; those
    // with one get the time to end after the shutdown message
    const inNow = new Set([...this.byId.values()].map((s) => (s.info as WorkerInfo).node));
    const idle = this.steps.filter((st) => !st.exited && !inNow.has(st.node));
    for (const s of this.sessions) {
      if (s.state === 'ready') s.ls.close('shutdown', encode({ type: 'shutdown', reason: 'run finished' }));
      else s.ls.destroy('shutdown');
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await Promise.all([
      stopSteps(idle, 0),
      stopSteps(
        this.steps.filter((st) => !idle.includes(st)),
        10_000,
      ),
    ]);
    this.log.info('manager stopped');
  }

  private send(s: Session, m: ManagerMessage): void {
    s.ls.send(encode(m));
  }

  private accept(socket: Socket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const s: Session = { remote, state: 'auth', nonce: newNonce(), pid: 0, jobs: new Map() } as Session;
    s.ls = new LineSocket(socket, MAX_PREAUTH_BYTES, {
      line: (text) => this.onLine(s, text),
      close: (reason) => this.onClose(s, reason),
    });
    this.sessions.add(s);
    s.authTimer = setTimeout(() => this.refuse(s, 'no answer to the challenge within 10 s'), 10_000);
    this.send(s, {
      type: 'challenge',
      nonce: s.nonce,
      protocol: PROTOCOL_VERSION,
      managerId: this.managerId,
    });
  }

  private refuse(s: Session, reason: string, fields: Record<string, unknown> = {}): void {
    if (s.state !== 'auth') return;
    clearTimeout(s.authTimer);
    s.state = 'gone';
    this.log.warn(`worker refused: ${reason}`, { remote: s.remote, ...fields });
    s.ls.close(reason, encode({ type: 'refused', reason }));
  }

  private onLine(s: Session, text: string): void {
    const d = decodeWorkerMessage(text);
    if (!d.ok) {
      if (s.state === 'auth') this.refuse(s, `protocol error: ${d.error}`);
      else if (s.state === 'ready') s.ls.destroy(`protocol error: ${d.error}`);
      return;
    }
    if (s.state === 'auth') this.onHello(s, d.msg);
    else if (s.state === 'ready') this.onWorkerMessage(s, d.msg);
  }

  private onHello(s: Session, m: WorkerMessage): void {
    if (m.type !== 'hello') return this.refuse(s, `expected hello, got ${m.type}`);
    const who = { workerId: m.workerId, node: m.node, pid: m.pid };
    if (m.protocol !== PROTOCOL_VERSION)
      return this.refuse(s, `protocol ${m.protocol} is not ${PROTOCOL_VERSION}`, who);
    if (!verifyAnswer(this.token, s.nonce, m.workerId, m.answer)) {
      return this.refuse(s, 'authentication failed (wrong token)', who);
    }
    if (this.byId.has(m.workerId)) return this.refuse(s, `worker id ${m.workerId} is already connected`, who);
    // the same worker process rejoining (it proved the secret; it killed what it ran before):
    // its old session is fenced now, before the new one takes work
    for (const old of this.byId.values()) {
      if (old.pid === m.pid && old.info?.node === m.node)
        old.ls.destroy(`the worker rejoined as ${m.workerId}; this session is fenced`);
    }
    clearTimeout(s.authTimer);
    s.state = 'ready';
    s.pid = m.pid;
    s.ls.maxLineBytes = MAX_LINE_BYTES;
    s.info = {
      id: m.workerId,
      node: m.node,
      memoryMB: m.memoryMB,
      cores: m.cores,
      ...(this.prefetch > 0 ? { prefetch: this.prefetch } : {}),
    };
    this.byId.set(m.workerId, s);
    this.send(s, {
      type: 'welcome',
      workerId: m.workerId,
      heartbeatMs: this.hbMs,
      heartbeatTimeoutMs: this.hbTimeoutMs,
      proof: proveManager(this.token, m.nonce, s.nonce, m.workerId),
    });
    this.joinedNodes.add(m.node);
    this.log.info('worker joined', { ...who, memoryMB: m.memoryMB, cores: m.cores, remote: s.remote });
    this.events?.workerJoined({ ...s.info });
    this.joinWaiter?.();
  }

  private onWorkerMessage(s: Session, m: WorkerMessage): void {
    const id = (s.info as WorkerInfo).id;
    switch (m.type) {
      case 'started': {
        const j = s.jobs.get(m.jobId);
        if (!j) return;
        j.startedAt = m.startedAt;
        this.events?.jobStarted(m.jobId, id, m.startedAt);
        return;
      }
      case 'result': {
        const j = s.jobs.get(m.result.id);
        if (!j || j.job.attempt !== m.result.attempt) {
          this.log.warn('result for a job this worker does not hold; ignored', {
            workerId: id,
            jobId: m.result.id,
          });
          return;
        }
        s.jobs.delete(m.result.id);
        this.events?.jobFinished({ ...m.result, workerId: id });
        return;
      }
      case 'heartbeat':
      case 'hello':
        return;
    }
  }

  private onClose(s: Session, reason: string): void {
    this.sessions.delete(s);
    clearTimeout(s.authTimer);
    if (s.state !== 'ready') {
      s.state = 'gone';
      return;
    }
    s.state = 'gone';
    const info = s.info as WorkerInfo;
    this.byId.delete(info.id);
    if (this.stopping) return;
    this.log.warn(`worker lost: ${reason}`, { workerId: info.id, node: info.node, jobs: s.jobs.size });
    this.events?.workerLost(info.id, reason);
    const now = Date.now();
    for (const { job, startedAt } of s.jobs.values()) {
      this.events?.jobFinished(lostResult(job, info.id, info.node, startedAt ?? now, reason));
    }
    s.jobs.clear();
  }

  private beat(): void {
    const now = Date.now();
    for (const s of this.byId.values()) {
      if (now - s.ls.lastHeard > this.hbTimeoutMs) {
        s.ls.destroy(`missed heartbeats (silent for ${Math.round((now - s.ls.lastHeard) / 1000)} s)`);
      } else {
        this.send(s, { type: 'ping' });
      }
    }
  }
}

function lostResult(
  job: DispatchJob,
  workerId: string,
  node: string,
  startedAt: number,
  reason: string,
): JobResult {
  return {
    id: job.id,
    attempt: job.attempt,
    outcome: 'lost',
    exitCode: null,
    signal: null,
    peakMemoryMB: 0,
    startedAt,
    endedAt: Date.now(),
    workerId,
    node,
    message: `worker ${workerId} on ${node} lost: ${reason}`,
  };
}
