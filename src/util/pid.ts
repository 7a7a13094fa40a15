/** Whether a process is alive on this host: kill(pid, 0), where a zombie counts as gone. */
import { readFileSync } from 'node:fs';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A killed process whose parent died too stays a zombie until init (or slurmstepd) reaps it, and
 * a zombie still answers kill(pid, 0): it holds nothing, so it counts as gone.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const end = stat.lastIndexOf(')');
    return stat.slice(end + 2, end + 3) === 'Z';
  } catch {
    return false; // no /proc here (or it just went): kill(0) said it exists
  }
}
