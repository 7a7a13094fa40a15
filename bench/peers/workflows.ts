/** The workflow JSON the peers bench gives every system: the same DAG of command jobs. */

export interface CommandJob {
  id: string;
  label: string;
  argv: string[];
  needs: string[];
  requestMemory: number;
  requestCpus: number;
}

/**
 * `n` command jobs in 10 layers (fewer when n < 10); a job of layer L > 0 needs two jobs of layer
 * L-1. The command is `true <id>`, or, with `markerDir`, `sh -c 'echo x >> markerDir/<i>'` (one
 * marker file per job, a line per run: how the recovery workload counts re-runs). Every command line
 * differs, as a pipeline's do: Parsl's app cache (on, as ctrl_bps_parsl sets it) keys on the command
 * line and its inputs' results, and would serve a job whose line and parents match an earlier one
 * from the cache instead of running it (8,006 of 10,000 plain `true` jobs before 2026-12-03).
 */
export function dagWorkflow(n: number, markerDir: string | null): { name: string; jobs: CommandJob[] } {
  const width = Math.max(1, Math.ceil(n / 10));
  const jobs: CommandJob[] = [];
  for (let i = 0; i < n; i++) {
    const layerStart = i - (i % width);
    const needs =
      i < width
        ? []
        : [...new Set([i - width, layerStart - width + ((i - layerStart + 1) % width)])].map(
            (k) => `noop.${k}`,
          );
    jobs.push({
      id: `noop.${i}`,
      label: 'noop',
      argv: markerDir === null ? ['true', `noop.${i}`] : ['sh', '-c', `echo x >> ${markerDir}/${i}`],
      needs,
      requestMemory: 10,
      requestCpus: 1,
    });
  }
  return { name: markerDir === null ? 'peers-dag' : 'peers-recovery', jobs };
}
