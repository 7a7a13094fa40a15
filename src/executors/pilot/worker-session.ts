/**
 * One session of a pilot worker with its manager: connect, mutual authentication, run what is
 * dispatched, heartbeat; ends when the manager shuts it down, refuses it, is gone, or fails to
 * prove it knows the run's secret. Before the manager's proof has been checked, any message but
 * the challenge and a refusal ends the session and nothing runs. Whatever ends the session, its
 * jobs are killed and have ended when the returned promise resolves: a worker that rejoins holds
 * nothing from its earlier session (results of those attempts are never sent).
 * Jobs that do not fit what is free of the worker's budget now (the manager sends up to its
 * `prefetch` budgets' worth more) wait in a queue, in the order sent, and start as soon as jobs
 * that end free their memory and cores: the slot does not wait for a round trip to the manager.
 * Self-fencing (docs/slurm.md, "Frozen workers"): the worker gives up on a silent manager, and its
 * job processes give up on a silent (frozen) worker, at `fenceTimings` of the manager's heartbeat
 * timeout, so its jobs are dead before the manager can have re-dispatched them elsewhere.
 */
import { connect } from 'node:net';
import { failedResult, unstartedResult } from '../../engine/executor.js';
import type { DispatchJob } from '../../engine/executor.js';
import { JobRunner } from '../job-runner.js';
import { answerChallenge, newNonce, verifyManagerProof } from './auth.js';
import { LineSocket } from './line-socket.js';
import {
  MAX_LINE_BYTES,
  MAX_PREAUTH_BYTES,
  PROTOCOL_VERSION,
  decodeManagerMessage,
  encode,
} from './protocol.js';
import type { ManagerMessage, WorkerMessage } from './protocol.js';
import type { WorkerBudget } from './resources.js';

export type SessionEnd =
  | { kind: 'shutdown'; why: string }
  | { kind: 'refused'; why: string }
  | { kind: 'impostor'; why: string }
  | { kind: 'signalled'; why: string }
  /** it had joined and the manager is gone (closed, silent); `managerId`: the one it had joined */
  | { kind: 'lost'; why: string; managerId: string }
  /** it never got in: no connection, no answer, or (rejoining) another manager on that port */
  | { kind: 'unjoined'; why: string; connectionRefused: boolean; otherManager?: boolean };

export interface SessionOptions {
  host: string;
  port: number;
  url: string;
  token: string;
  workerId: string;
  node: string;
  budget: WorkerBudget;
  /** rejoining: the manager it joined before (a challenge from another one ends the session) */
  managerId?: string;
  connectTimeoutMs: number;
  log: (line: string) => void;
  /** gets the function that ends this session on a signal */
  onAbortable: (abort: (sig: NodeJS.Signals) => void) => void;
}

/**
 * The worker's two limits, from the manager's heartbeat period `hbMs` and timeout `timeoutMs`:
 * - `leaseMs`: its spawner and warm processes kill their jobs when it has not renewed for this long
 *   (they act within 1.25 leases of its last renewal, and the manager gives up no sooner than
 *   `timeoutMs - hbMs` after it last heard from a worker that froze: 1.25 leases fit inside that);
 * - `silenceMs`: it ends the session (killing its jobs) when the manager was silent for this long.
 */
export function fenceTimings(hbMs: number, timeoutMs: number): { leaseMs: number; silenceMs: number } {
  const leaseMs = Math.max(1, Math.floor(Math.min(timeoutMs / 2, (timeoutMs - hbMs) * 0.6)));
  // two missed pings at least, where the timeout leaves room for them
  const silenceMs = Math.min(Math.max(leaseMs, 2 * hbMs), Math.floor((timeoutMs - hbMs) * 0.8));
  return { leaseMs, silenceMs: Math.max(1, silenceMs) };
}

export function runSession(o: SessionOptions): Promise<SessionEnd> {
  return new Promise<SessionEnd>((resolve) => {
    const runner = new JobRunner({ warmTaskWorkers: true });
    const running = new Map<string, Promise<void>>();
    /** dispatched jobs waiting for budget, in the order sent */
    const queue: DispatchJob[] = [];
    const free = { memoryMB: o.budget.memoryMB, cores: o.budget.cores };
    const myNonce = newNonce();
    let managerNonce: string | undefined;
    let managerId: string | undefined;
    let welcomed = false;
    let ended = false;
    let refused = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const socket = connect({ host: o.host, port: o.port });
    const connectTimer = setTimeout(
      () => ls.destroy(`no answer from the manager at ${o.url} within ${o.connectTimeoutMs / 1000} s`),
      o.connectTimeoutMs,
    );
    let connectError: string | undefined;
    socket.once('error', (e: NodeJS.ErrnoException) => (connectError = e.code));

    const send = (m: WorkerMessage) => ls.send(encode(m));
    const end = (result: SessionEnd, closeSocket: () => void) => {
      if (ended) return;
      ended = true;
      queue.length = 0; // never started: the manager counts them lost with the session
      clearTimeout(connectTimer);
      if (heartbeat) clearInterval(heartbeat);
      closeSocket();
      // kill every job of this session and wait until they have ended, before anything else
      void runner
        .shutdown()
        .then(() => Promise.allSettled([...running.values()]))
        .then(() => resolve(result));
    };
    o.onAbortable((sig) => end({ kind: 'signalled', why: sig }, () => ls.destroy(sig)));

    const fits = (job: DispatchJob) => job.memoryMB <= free.memoryMB && job.cpus <= free.cores;
    /** Start queued jobs while the first fits (or nothing runs: never stall on a job too big). */
    const drain = () => {
      while (!ended && queue.length > 0 && (fits(queue[0]) || running.size === 0))
        runJob(queue.shift() as DispatchJob);
    };
    const accept = (job: DispatchJob) => {
      queue.push(job);
      drain();
    };
    const ran = (job: DispatchJob) => {
      running.delete(job.id);
      free.memoryMB += job.memoryMB;
      free.cores += job.cpus;
      drain();
    };
    const runJob = (job: DispatchJob) => {
      free.memoryMB -= job.memoryMB;
      free.cores -= job.cpus;
      send({ type: 'started', jobId: job.id, startedAt: Date.now() });
      const done = runner.run(job, { id: o.workerId, node: o.node }).then(
        (result) => {
          if (!ended) send({ type: 'result', result });
          ran(job);
        },
        (e: unknown) => {
          // JobRunner failures are bugs, but the manager still needs an answer for the job
          ran(job);
          if (ended) return;
          const message = `worker error: ${e instanceof Error ? e.message : String(e)}`;
          send({
            type: 'result',
            result: failedResult(job, { workerId: o.workerId, node: o.node }, message),
          });
        },
      );
      running.set(job.id, done);
    };

    const impostor = (why: string) =>
      end({ kind: 'impostor', why }, () => ls.destroy('the manager is not authenticated'));

    /** Before the welcome: only the challenge, then a welcome with a valid proof (or a refusal). */
    const onHandshake = (m: ManagerMessage) => {
      if (m.type === 'refused') {
        refused = true;
        end({ kind: 'refused', why: `refused by the manager: ${m.reason}` }, () => ls.close('refused'));
        return;
      }
      if (m.type === 'challenge' && managerNonce === undefined) {
        if (m.protocol !== PROTOCOL_VERSION) {
          end(
            {
              kind: 'refused',
              why: `manager speaks protocol ${m.protocol}, this worker ${PROTOCOL_VERSION}`,
            },
            () => ls.close('protocol mismatch'),
          );
          return;
        }
        if (o.managerId && m.managerId !== o.managerId) {
          end(
            {
              kind: 'unjoined',
              why: `another manager (${m.managerId}) listens at ${o.url} now`,
              connectionRefused: false,
              otherManager: true,
            },
            () => ls.close('another manager'),
          );
          return;
        }
        managerNonce = m.nonce;
        managerId = m.managerId;
        send({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          workerId: o.workerId,
          node: o.node,
          memoryMB: o.budget.memoryMB,
          cores: o.budget.cores,
          pid: process.pid,
          answer: answerChallenge(o.token, m.nonce, o.workerId),
          nonce: myNonce,
        });
        return;
      }
      if (m.type === 'welcome' && managerNonce !== undefined) {
        if (
          m.workerId !== o.workerId ||
          !verifyManagerProof(o.token, myNonce, managerNonce, o.workerId, m.proof)
        ) {
          impostor(`the manager at ${o.url} did not prove it knows the run's secret`);
          return;
        }
        welcomed = true;
        clearTimeout(connectTimer);
        ls.maxLineBytes = MAX_LINE_BYTES;
        o.log(
          `quanta worker ${o.workerId}: joined ${o.url} on ${o.node} (${o.budget.memoryMB} MB, ${o.budget.cores} cores)`,
        );
        const { leaseMs, silenceMs } = fenceTimings(m.heartbeatMs, m.heartbeatTimeoutMs);
        runner.setLease(leaseMs);
        heartbeat = setInterval(() => {
          const silent = Date.now() - ls.lastHeard;
          if (silent > silenceMs) {
            ls.destroy(`heartbeat timeout (the manager silent for ${(silent / 1000).toFixed(1)} s)`);
            return;
          }
          send({ type: 'heartbeat', running: [...running.keys()] });
        }, m.heartbeatMs);
        return;
      }
      impostor(`the manager at ${o.url} sent '${m.type}' before proving it knows the run's secret`);
    };

    const onMessage = (m: ManagerMessage) => {
      switch (m.type) {
        case 'dispatch':
          accept(m.job);
          return;
        case 'kill': {
          const q = queue.findIndex((j) => j.id === m.jobId);
          if (q < 0) {
            runner.kill(m.jobId, 'cancelled');
            return;
          }
          // never started: it ends here, as a running job killed on request would
          const [job] = queue.splice(q, 1);
          const where = { workerId: o.workerId, node: o.node };
          send({ type: 'result', result: unstartedResult(job, where, 'cancelled', 'cancelled on request') });
          return;
        }
        case 'shutdown':
          end({ kind: 'shutdown', why: m.reason }, () => ls.close('shutdown'));
          return;
        case 'ping':
          return;
        default:
          ls.destroy(`unexpected '${m.type}' from the manager`);
      }
    };

    // until the manager proved itself it gets no more room than a stranger gets from the manager
    const ls: LineSocket = new LineSocket(socket, MAX_PREAUTH_BYTES, {
      line: (text) => {
        if (ended) return;
        const d = decodeManagerMessage(text);
        if (!d.ok) {
          if (welcomed) ls.destroy(`bad message from the manager: ${d.error}`);
          else impostor(`bad message from the manager at ${o.url}: ${d.error}`);
          return;
        }
        if (welcomed) onMessage(d.msg);
        else onHandshake(d.msg);
      },
      close: (reason) => {
        if (ended || refused) return;
        if (welcomed) end({ kind: 'lost', why: reason, managerId: managerId as string }, () => undefined);
        else
          end(
            { kind: 'unjoined', why: reason, connectionRefused: connectError === 'ECONNREFUSED' },
            () => undefined,
          );
      },
    });
  });
}
