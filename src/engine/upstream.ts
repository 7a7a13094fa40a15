/**
 * The jobs upstream of each run-always job (its needs, their needs, ...): such a job waits until
 * all of them ended, not only its direct needs, because a need blocked by one failure may still
 * have other jobs above it running (quanta's LSST final job needs only the graph's sinks).
 */

/**
 * For each job in `jobs`, the indices of every job upstream of it, each once.
 * Costs O(edges above it) per job: meant for the few run-always jobs of a workflow.
 */
export function upstreamOf(needs: ArrayLike<ArrayLike<number>>, jobs: readonly number[]): Int32Array[] {
  const seen = new Int32Array(needs.length).fill(-1);
  return jobs.map((a, mark) => {
    const out: number[] = [];
    const stack = [a];
    while (stack.length) {
      const i = stack.pop() as number;
      const ns = needs[i];
      for (let k = 0; k < ns.length; k++) {
        const p = ns[k];
        if (seen[p] === mark) continue;
        seen[p] = mark;
        out.push(p);
        stack.push(p);
      }
    }
    return Int32Array.from(out);
  });
}

/** Indices of the jobs marked run-always (`always[i]` truthy). */
export function alwaysJobs(always: ArrayLike<number> | undefined, n: number): number[] {
  const out: number[] = [];
  if (always) for (let i = 0; i < n; i++) if (always[i]) out.push(i);
  return out;
}
