/**
 * The pilot worker (`quanta worker`): one per node. It connects to the manager, answers the
 * challenge with the run's token, advertises its budget, runs what it is sent through the same
 * JobRunner as the local executor (process groups, logs, peak RSS, memory enforcement), streams
 * results back and heartbeats. When the manager is gone (socket closed or silent for longer than
 * the heartbeat timeout) it kills its jobs and exits non-zero: an orphaned worker must never keep
 * running quanta whose results nobody will register.
 */
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { failedResult } from '../../engine/executor.js';
import type { DispatchJob } from '../../engine/executor.js';
import { UsageError } from '../../errors.js';
import { JobRunner } from '../job-runner.js';
import { answerChallenge, readToken } from './auth.js';
import { LineSocket } from './line-socket.js';
import {
  MAX_LINE_BYTES,
  PROTOCOL_VERSION,
  decodeManagerMessage,
  encode,
  parseManagerUrl,
} from './protocol.js';
import type { ManagerMessage, WorkerMessage } from './protocol.js';
import { detectWorkerBudget } from './resources.js';

export interface WorkerOptions {
  managerUrl: string;
  tokenFile: string;
  memoryMB?: number;
  cores?: number;
  node?: string;
  env?: NodeJS.ProcessEnv;
  /** human lines (default: stderr) */
  log?: (line: string) => void;
  /** on SIGTERM/SIGINT kill the jobs and exit (the CLI sets it; Slurm signals steps it ends) */
  handleSignals?: boolean;
}

/** Exit codes of `quanta worker`. */
export const WORKER_EXIT = {
  /** the manager told us to stop */
  shutdown: 0,
  /** wrong token or protocol mismatch */
  refused: 3,
  /** the manager vanished (closed socket, missed heartbeats) or never answered */
  managerGone: 4,
  /** SIGTERM/SIGINT (Slurm ending the step): jobs killed first */
  signalled: 5,
} as const;

function sanitizeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
}

/** Run a worker until the manager shuts it down or is gone; resolves to the exit code. */
export async function runWorker(opts: WorkerOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const target = parseManagerUrl(opts.managerUrl);
  if (!target) {
    throw new UsageError(
      'MANAGER_URL',
      `--manager '${opts.managerUrl}' is not tcp://HOST:PORT (or HOST:PORT)`,
    );
  }
  const token = readToken(opts.tokenFile);
  const node = opts.node ?? env.SLURMD_NODENAME ?? hostname().split('.')[0];
  const budget = detectWorkerBudget({ memoryMB: opts.memoryMB, cores: opts.cores }, env);
  const workerId = `${sanitizeId(node)}-${process.pid}`;
  const runner = new JobRunner({ warmTaskWorkers: true });

  return await new Promise<number>((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    let welcomed = false;
    let finished = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const connectTimer = setTimeout(
      () => ls.destroy(`no answer from the manager at ${opts.managerUrl} within 30 s`),
      30_000,
    );

    const send = (m: WorkerMessage) => ls.send(encode(m));
    const onSignal = (sig: NodeJS.Signals) => {
      finish(WORKER_EXIT.signalled, `stopped by ${sig}; killing my jobs`);
      ls.destroy(sig);
    };
    if (opts.handleSignals) {
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    }
    const finish = (code: number, why: string) => {
      if (finished) return;
      finished = true;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      clearTimeout(connectTimer);
      if (heartbeat) clearInterval(heartbeat);
      log(`quanta worker ${workerId}: ${why}`);
      void runner.shutdown().then(() => resolve(code), reject);
    };

    const runningIds = new Set<string>();
    const runJob = (job: DispatchJob) => {
      runningIds.add(job.id);
      send({ type: 'started', jobId: job.id, startedAt: Date.now() });
      runner.run(job, { id: workerId, node }).then(
        (result) => {
          runningIds.delete(job.id);
          if (!finished) send({ type: 'result', result });
        },
        (e: unknown) => {
          // JobRunner failures are bugs, but the manager still needs an answer for the job
          runningIds.delete(job.id);
          if (finished) return;
          const message = `worker error: ${e instanceof Error ? e.message : String(e)}`;
          send({ type: 'result', result: failedResult(job, { workerId, node }, message) });
        },
      );
    };

    const onMessage = (m: ManagerMessage) => {
      switch (m.type) {
        case 'challenge':
          if (m.protocol !== PROTOCOL_VERSION) {
            finish(
              WORKER_EXIT.refused,
              `manager speaks protocol ${m.protocol}, this worker ${PROTOCOL_VERSION}`,
            );
            ls.close('protocol mismatch');
            return;
          }
          send({
            type: 'hello',
            protocol: PROTOCOL_VERSION,
            workerId,
            node,
            memoryMB: budget.memoryMB,
            cores: budget.cores,
            pid: process.pid,
            answer: answerChallenge(token, m.nonce, workerId),
          });
          return;
        case 'welcome': {
          welcomed = true;
          clearTimeout(connectTimer);
          log(
            `quanta worker ${workerId}: joined ${opts.managerUrl} on ${node} (${budget.memoryMB} MB, ${budget.cores} cores)`,
          );
          heartbeat = setInterval(() => {
            if (Date.now() - ls.lastHeard > m.heartbeatTimeoutMs) {
              ls.destroy('heartbeat timeout');
              return;
            }
            send({ type: 'heartbeat', running: [...runningIds] });
          }, m.heartbeatMs);
          return;
        }
        case 'refused':
          finish(WORKER_EXIT.refused, `refused by the manager: ${m.reason}`);
          ls.close('refused');
          return;
        case 'dispatch':
          runJob(m.job);
          return;
        case 'kill':
          runner.kill(m.jobId, 'cancelled');
          return;
        case 'shutdown':
          finish(WORKER_EXIT.shutdown, `shut down by the manager (${m.reason})`);
          ls.close('shutdown');
          return;
        case 'ping':
          return;
      }
    };

    const ls = new LineSocket(socket, MAX_LINE_BYTES, {
      line: (text) => {
        const d = decodeManagerMessage(text);
        if (!d.ok) {
          ls.destroy(`bad message from the manager: ${d.error}`);
          return;
        }
        onMessage(d.msg);
      },
      close: (reason) => {
        const why = welcomed ? `manager gone (${reason}); killing my jobs` : `could not join (${reason})`;
        finish(WORKER_EXIT.managerGone, why);
      },
    });
  });
}
