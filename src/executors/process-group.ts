/** Signalling a job's process group. Node.js built-ins only: the spawner process imports it too. */

/** Send `signal` to the process group led by `pid`; a group that is already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  // after every job the group is usually gone (ESRCH): an error without a stack trace is much
  // cheaper to make, and this runs once per job
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  } finally {
    Error.stackTraceLimit = limit;
  }
}
