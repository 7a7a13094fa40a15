/**
 * `quanta restore DIR --request-memory LABEL=MB`: a label whose jobs were killed for memory gets
 * a new request before the run goes on. The value is recorded where restore reads it (the
 * journal's `memory_mb` and `request_memory`, and the workflow copy's `requestMemory`), so every
 * later restore keeps it; memory retries raise it from there.
 */
import { UsageError } from '../errors.js';
import type { Journal, SavedJobs } from './journal.js';
import { stateName } from './states.js';
import type { Workflow } from './workflow.js';

/** label -> MB */
export type MemoryOverrides = Readonly<Record<string, number>>;

/** Apply `overrides` to the run as opened; returns the jobs changed (workflow copy to rewrite). */
export function applyMemoryOverrides(
  wf: Workflow,
  saved: SavedJobs,
  journal: Journal,
  overrides: MemoryOverrides,
): number {
  const labels = new Set(wf.jobs.map((j) => j.label));
  for (const label of Object.keys(overrides)) {
    if (!labels.has(label))
      throw new UsageError(
        'REQUEST_MEMORY_LABEL',
        `--request-memory ${label}=${overrides[label]}: no task label '${label}' in this run (labels: ${[...labels].join(', ')})`,
        { key: '--request-memory' },
      );
  }
  let changed = 0;
  wf.jobs.forEach((job, i) => {
    const mb = overrides[job.label];
    if (mb === undefined) return;
    if (job.requestMemory === mb && saved.memoryMB[i] === mb) return;
    job.requestMemory = mb;
    saved.memoryMB[i] = mb;
    journal.job(
      i,
      job.id,
      stateName(saved.states[i]),
      { memory_mb: mb, request_memory: mb },
      { requestMemory: mb },
    );
    changed++;
  });
  return changed;
}
