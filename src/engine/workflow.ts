/**
 * The plain workflow file (docs/engine.md, "The workflow file"): a DAG of jobs, each a command (argv) or a
 * TypeScript task quantum, with its resources and the outputs the manager registers after it.
 * `quanta run-workflow` reads it directly; the QG compiles to it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EngineError } from '../errors.js';

const dataIdSchema = z.record(z.string(), z.union([z.string(), z.number()]));

export const workflowOutputSchema = z.object({
  id: z.string(),
  datasetType: z.string(),
  run: z.string(),
  dataId: dataIdSchema,
  /** datastore path relative to the repository root */
  path: z.string(),
});

export const workflowJobSchema = z
  .object({
    id: z.string().min(1),
    label: z.string().min(1),
    argv: z.array(z.string()).min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    task: z.object({ module: z.string(), exportName: z.string(), quantumFile: z.string() }).optional(),
    requestMemory: z.number().positive().default(2048),
    requestCpus: z.number().positive().default(1),
    needs: z.array(z.string()).default([]),
    timeoutSec: z.number().nonnegative().optional(),
    numberOfRetries: z.number().int().nonnegative().optional(),
    memoryMultiplier: z.number().positive().optional(),
    outputs: z.array(workflowOutputSchema).optional(),
  })
  .refine((j) => (j.argv ? 1 : 0) + (j.task ? 1 : 0) === 1, {
    message: 'a job needs exactly one of argv or task',
  });

export const workflowSchema = z.object({
  name: z.string().default('workflow'),
  /** repository the outputs are registered in (absolute path), when jobs have outputs */
  butlerRoot: z.string().optional(),
  /** CHAINED collection the output run is put in front of (like `pipetask --output`) */
  outputCollection: z.string().optional(),
  /** collections searched after the output run in that chain */
  inputCollections: z.array(z.string()).optional(),
  /** default retries/multiplier/enforcement for jobs that do not set them */
  numberOfRetries: z.number().int().nonnegative().default(0),
  memoryMultiplier: z.number().positive().default(1),
  enforceMemory: z.boolean().default(true),
  jobs: z.array(workflowJobSchema),
});

export type Workflow = z.infer<typeof workflowSchema>;
export type WorkflowJob = z.infer<typeof workflowJobSchema>;
export type WorkflowOutput = z.infer<typeof workflowOutputSchema>;

/** Validate a parsed workflow value: schema, unique ids, known needs, no cycles. */
export function parseWorkflow(raw: unknown, file = '<workflow>'): Workflow {
  const parsed = workflowSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const key = i.path.join('.');
    throw new EngineError('WORKFLOW_INVALID', `workflow ${file}: ${key || '(top)'}: ${i.message}`, {
      file,
      key,
    });
  }
  const wf = parsed.data;
  const index = new Map<string, number>();
  wf.jobs.forEach((j, i) => {
    if (index.has(j.id)) {
      throw new EngineError(
        'WORKFLOW_DUPLICATE_JOB',
        `workflow ${file}: job id ${j.id} appears twice (jobs.${i})`,
        {
          file,
          key: `jobs.${i}.id`,
        },
      );
    }
    index.set(j.id, i);
  });
  wf.jobs.forEach((j, i) => {
    for (const n of j.needs) {
      if (!index.has(n)) {
        throw new EngineError(
          'WORKFLOW_UNKNOWN_NEED',
          `workflow ${file}: job ${j.id} needs ${n}, which is not a job`,
          {
            file,
            key: `jobs.${i}.needs`,
          },
        );
      }
    }
  });
  const cycle = findCycle(wf, index);
  if (cycle) {
    throw new EngineError('WORKFLOW_CYCLE', `workflow ${file}: jobs form a cycle: ${cycle.join(' -> ')}`, {
      file,
    });
  }
  return wf;
}

/** Read and validate a workflow JSON file. */
export function loadWorkflow(path: string): Workflow {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EngineError('WORKFLOW_READ', `cannot read workflow ${path}: ${(e as Error).message}`, {
      file: path,
    });
  }
  return parseWorkflow(raw, path);
}

function findCycle(wf: Workflow, index: Map<string, number>): string[] | undefined {
  // Kahn's algorithm; leftovers lie on or behind a cycle, then walk needs to show one cycle
  const n = wf.jobs.length;
  const indeg = new Int32Array(n);
  const children: number[][] = Array.from({ length: n }, () => []);
  wf.jobs.forEach((j, i) => {
    for (const need of j.needs) {
      children[index.get(need) as number].push(i);
      indeg[i]++;
    }
  });
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  let seen = 0;
  while (queue.length) {
    const i = queue.pop() as number;
    seen++;
    for (const c of children[i]) if (--indeg[c] === 0) queue.push(c);
  }
  if (seen === n) return undefined;
  let cur = indeg.findIndex((d) => d > 0);
  const path: number[] = [];
  const onPath = new Map<number, number>();
  while (!onPath.has(cur)) {
    onPath.set(cur, path.length);
    path.push(cur);
    cur = index.get(wf.jobs[cur].needs.find((x) => indeg[index.get(x) as number] > 0) as string) as number;
  }
  return [...path.slice(onPath.get(cur)), cur].map((i) => wf.jobs[i].id);
}
