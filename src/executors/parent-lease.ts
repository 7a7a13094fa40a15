/**
 * Self-fencing of a pilot worker's children (docs/slurm.md, "Frozen workers"). The pilot manager
 * re-dispatches the jobs of a worker it has not heard from for its heartbeat timeout; a worker
 * that is frozen (SIGSTOP, a stalled node) cannot kill its jobs, so its spawner and warm task
 * processes, which are not frozen with it, do: each holds a lease that every message from its
 * parent renews, and when the lease lapses it kills the jobs it runs, before the manager can have
 * given them to another worker (the worker sets the lease well inside the manager's timeout).
 * Time is this process's own monotonic clock: no clock is compared across processes.
 * Node.js built-ins only: the spawner process imports it.
 */

/** The child side: a watchdog that calls `onLapse` once per lapse of the lease. */
export class LeaseWatch {
  private ms = 0;
  private deadline = 0;
  private lapsed = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly onLapse: (silentMs: number) => void) {}

  /** Start, renew or change the lease: `ms` from now; 0 or less turns it off. */
  set(ms: number): void {
    if (ms > 0 && ms === this.ms) return this.renew();
    this.ms = ms > 0 ? ms : 0;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.ms) return;
    this.renew();
    // checked four times a lease: a lapse is acted on within 1.25 leases of the last renewal
    this.timer = setInterval(() => this.check(), Math.max(50, Math.floor(this.ms / 4)));
    this.timer.unref();
  }

  /** The parent spoke: the lease runs for another `ms`. */
  renew(): void {
    if (!this.ms) return;
    this.deadline = performance.now() + this.ms;
    this.lapsed = false;
  }

  private check(): void {
    const late = performance.now() - this.deadline;
    if (late <= 0 || this.lapsed) return;
    this.lapsed = true; // once per lapse; a renewal re-arms it
    this.onLapse(this.ms + late);
  }
}

/** The parent side: how often to renew a lease of `ms` (three renewals a lease). */
export function renewEveryMs(ms: number): number {
  return Math.max(25, Math.floor(ms / 3));
}

/** The journal's message for a job killed because its worker stopped renewing the lease. */
export function fencedMessage(silentMs: number): string {
  return `fenced: its worker stopped renewing the lease for ${(silentMs / 1000).toFixed(1)} s (frozen or stalled), so the job was killed before the manager could run it elsewhere`;
}
