/**
 * Test entry script run INSIDE a Slurm batch job: the run-start path (src/run/start.ts) with the
 * pilot over the allocation, as `quanta restore SUBMIT_DIR --executor pilot` uses it (the
 * wall-time test runs that CLI itself), plus a JSON file per batch job that the tests read.
 *   node --import tsx test/slurm/run-pilot.ts SUBMIT_DIR WORKFLOW.json
 * Writes <submitDir>/entry-<SLURM_JOB_ID>.json with the run summary (tests read it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkflow } from '../../src/engine/workflow.js';
import { runPrepared } from '../../src/run/index.js';

const [submitDir, wfPath] = process.argv.slice(2);
const env = process.env;
const num = (v: string | undefined) => (v ? Number(v) : undefined);
const r = await runPrepared({
  submitDir,
  workflow: loadWorkflow(wfPath),
  executor: {
    name: 'pilot',
    site: {
      nodesPerBlock: num(env.TEST_NODES_PER_BLOCK),
      maxResubmissions: num(env.TEST_MAX_RESUBMISSIONS) ?? 3,
    },
  },
  defaultJobSec: num(env.TEST_DEFAULT_JOB_SEC),
});
const summary = { jobId: env.SLURM_JOB_ID, status: r.status, totals: r.totals, successor: r.successor };
writeFileSync(join(submitDir, `entry-${env.SLURM_JOB_ID}.json`), JSON.stringify(summary, null, 2));
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = r.status === 'succeeded' || r.status === 'deadline' ? 0 : 1;
