/**
 * Relaunching worker steps that ended while the run goes on (the worker gave up on a cut network,
 * was killed, its node rebooted): after a backoff that doubles per relaunch of the node, at most
 * `maxPerNode` times per node, and only on a node that is still in the allocation when the
 * relaunch is due (a node Slurm removed is never tried again). Every decision is logged.
 */
import type { PilotLog } from './pilot-log.js';
import { WORKER_EXIT } from './worker.js';

export interface RelaunchPolicy {
  /** relaunches per node over the manager's life (0: never relaunch) */
  maxPerNode: number;
  /** delay before the first relaunch of a node, ms; doubled per further relaunch */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RelaunchDeps {
  /** names of the nodes still in the allocation now */
  liveNodes(): Promise<string[]>;
  launch(node: string): void;
  stopping(): boolean;
  log: PilotLog;
}

export class Relauncher {
  private readonly counts = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly removed = new Set<string>();

  constructor(
    private readonly policy: RelaunchPolicy,
    private readonly deps: RelaunchDeps,
  ) {}

  /** relaunches waiting for their delay or for the allocation check */
  get pending(): number {
    return this.timers.size;
  }

  /** A worker step ended (exit code null: killed by a signal, or it could not be started). */
  stepEnded(node: string, exitCode: number | null): void {
    const { log } = this.deps;
    if (this.deps.stopping() || this.timers.has(node)) return;
    if (this.removed.has(node)) return;
    if (exitCode === WORKER_EXIT.refused) {
      log.warn(`worker step on ${node} was refused (exit ${exitCode}); not relaunched`, { node });
      return;
    }
    const n = this.counts.get(node) ?? 0;
    if (n >= this.policy.maxPerNode) {
      log.warn(
        `worker step on ${node} ended; not relaunched: all ${this.policy.maxPerNode} relaunches used`,
        {
          node,
          exitCode,
        },
      );
      return;
    }
    const delayMs = Math.min(this.policy.baseDelayMs * 2 ** n, this.policy.maxDelayMs);
    this.counts.set(node, n + 1);
    log.warn(`worker step on ${node} ended; relaunching it in ${delayMs / 1000} s`, {
      node,
      exitCode,
      relaunch: n + 1,
      of: this.policy.maxPerNode,
    });
    const timer = setTimeout(() => void this.due(node), delayMs);
    timer.unref();
    this.timers.set(node, timer);
  }

  private async due(node: string): Promise<void> {
    const { log } = this.deps;
    let live: string[];
    try {
      live = await this.deps.liveNodes();
    } catch (e) {
      this.timers.delete(node);
      log.warn(
        `worker step on ${node} not relaunched: cannot read the allocation's nodes (${(e as Error).message})`,
        {
          node,
        },
      );
      return;
    }
    this.timers.delete(node);
    if (this.deps.stopping()) return;
    if (!live.includes(node)) {
      this.removed.add(node);
      log.warn(`worker step on ${node} not relaunched: ${node} is no longer in the allocation`, { node });
      return;
    }
    log.info('relaunching worker step', { node, relaunch: this.counts.get(node) });
    this.deps.launch(node);
  }

  cancel(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
