/**
 * The pilot worker (`quanta worker`): one per node. It connects to the manager, answers the
 * challenge with the run's token and checks the manager's own proof of it before it runs
 * anything, advertises its budget, runs what it is sent through the same JobRunner as the local
 * executor (process groups, logs, peak RSS, memory enforcement), streams results back and
 * heartbeats. When the manager is gone (socket closed or silent for longer than the heartbeat
 * timeout) it kills its jobs and waits for them to end; then it tries to rejoin the same manager
 * (same manager id) as a new session for a while: a network cut or a freeze that heals gives the
 * run its capacity back. A manager that refuses connections (its process is dead) or a different
 * manager ends it at once: an orphaned worker must never keep running quanta whose results
 * nobody will register.
 */
import { hostname } from 'node:os';
import { UsageError } from '../../errors.js';
import { readToken } from './auth.js';
import { envInt } from './options.js';
import { parseManagerUrl } from './protocol.js';
import { detectWorkerBudget } from './resources.js';
import { runSession } from './worker-session.js';
import type { SessionEnd } from './worker-session.js';

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
  /**
   * after losing the manager, try to rejoin it for this long (default: $QUANTA_WORKER_REJOIN_SEC,
   * else 120 s; 0: never rejoin)
   */
  rejoinSec?: number;
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
  /** the peer did not prove it knows the run's secret (or broke the protocol before it did) */
  unauthenticatedManager: 6,
} as const;

function sanitizeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
  const baseId = `${sanitizeId(node)}-${process.pid}`;
  const rejoinMs = 1000 * (opts.rejoinSec ?? envInt(env.QUANTA_WORKER_REJOIN_SEC) ?? 120);

  // a signal ends whatever session is running, and the loop below
  let signalled: NodeJS.Signals | undefined;
  let abortSession: ((sig: NodeJS.Signals) => void) | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    abortSession?.(sig);
  };
  if (opts.handleSignals) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  const exit = (code: number, why: string, id: string): number => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    log(`quanta worker ${id}: ${why}`);
    return code;
  };

  let managerId: string | undefined; // the manager this worker joined first; it rejoins only that one
  let lostAt = 0;
  let backoffMs = 500;
  for (let session = 1; ; session++) {
    const workerId = session === 1 ? baseId : `${baseId}.s${session}`;
    if (signalled) return exit(WORKER_EXIT.signalled, `stopped by ${signalled}`, workerId);
    const end: SessionEnd = await runSession({
      host: target.host,
      port: target.port,
      url: opts.managerUrl,
      token,
      workerId,
      node,
      budget,
      managerId,
      connectTimeoutMs: managerId ? 10_000 : 30_000,
      log,
      onAbortable: (abort) => (abortSession = abort),
    });
    abortSession = undefined;
    switch (end.kind) {
      case 'shutdown':
        return exit(WORKER_EXIT.shutdown, `shut down by the manager (${end.why})`, workerId);
      case 'refused':
        return exit(WORKER_EXIT.refused, end.why, workerId);
      case 'impostor':
        return exit(WORKER_EXIT.unauthenticatedManager, `${end.why}; ran nothing`, workerId);
      case 'signalled':
        return exit(WORKER_EXIT.signalled, `stopped by ${end.why}; killed my jobs`, workerId);
      case 'lost':
        // its jobs are killed and ended: from here on it holds nothing
        managerId = end.managerId;
        lostAt = Date.now();
        backoffMs = 500;
        if (rejoinMs <= 0)
          return exit(WORKER_EXIT.managerGone, `manager gone (${end.why}); killed my jobs`, workerId);
        log(`quanta worker ${workerId}: manager gone (${end.why}); killed my jobs; trying to rejoin`);
        continue;
      case 'unjoined': {
        const why = `could not join (${end.why})`;
        if (!managerId) return exit(WORKER_EXIT.managerGone, why, workerId);
        // nobody listens on the manager's port any more (it is dead, not cut off), or another
        // manager does (it starts workers of its own)
        if (end.connectionRefused || end.otherManager)
          return exit(WORKER_EXIT.managerGone, `manager gone; ${why}`, workerId);
        if (Date.now() - lostAt >= rejoinMs)
          return exit(
            WORKER_EXIT.managerGone,
            `gave up rejoining after ${rejoinMs / 1000} s; ${why}`,
            workerId,
          );
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
        continue;
      }
    }
  }
}
