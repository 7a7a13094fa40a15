/**
 * The plain workflow file (docs/engine.md, "The workflow file"): a DAG of jobs, each a command (argv) or a
 * TypeScript task quantum, with its resources and the outputs the manager registers after it.
 * `quanta run-workflow` reads it directly; the QG compiles to it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EngineError } from '../errors.js';
import { checkNulBytes, unknownKeyError } from './workflow-checks.js';

const dataIdSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** Exit codes after which a failed attempt is not retried (bps `retryUnlessExit`): one or a list. */
const exitCodesSchema = z
  .union([z.number().int(), z.array(z.number().int())])
  .transform((v) => (Array.isArray(v) ? v : [v]));

/** When a job runs: `success` (default) once every need succeeded; `always` once everything upstream ended. */
export const RUN_WHEN = ['success', 'always'] as const;
export type RunWhen = (typeof RUN_WHEN)[number];

export const workflowOutputSchema = z.strictObject({
  id: z.string(),
  datasetType: z.string(),
  run: z.string(),
  dataId: dataIdSchema,
  /** datastore path relative to the repository root */
  path: z.string(),
});

export const workflowJobSchema = z
  .strictObject({
    id: z.string().min(1),
    label: z.string().min(1),
    argv: z.array(z.string()).min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    task: z.strictObject({ module: z.string(), exportName: z.string(), quantumFile: z.string() }).optional(),
    requestMemory: z.number().positive().default(2048),
    requestCpus: z.number().positive().default(1),
    needs: z.array(z.string()).default([]),
    timeoutSec: z.number().nonnegative().optional(),
    numberOfRetries: z.number().int().nonnegative().optional(),
    memoryMultiplier: z.number().positive().optional(),
    retryUnlessExit: exitCodesSchema.optional(),
    runWhen: z.enum(RUN_WHEN).optional(),
    outputs: z.array(workflowOutputSchema).optional(),
  })
  .refine((j) => (j.argv ? 1 : 0) + (j.task ? 1 : 0) === 1, {
    message: 'a job needs exactly one of argv or task',
  });

export const workflowSchema = z.strictObject({
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
  retryUnlessExit: exitCodesSchema.optional(),
  enforceMemory: z.boolean().default(true),
  jobs: z.array(workflowJobSchema),
});

export type Workflow = z.infer<typeof workflowSchema>;
export type WorkflowJob = z.infer<typeof workflowJobSchema>;
export type WorkflowOutput = z.infer<typeof workflowOutputSchema>;

/**
 * Validate a parsed workflow value: schema (unknown keys refused), at least one job, no NUL bytes
 * in what reaches a process, unique ids, known needs, no cycles.
 */
export function parseWorkflow(raw: unknown, file = '<workflow>'): Workflow {
  const parsed = workflowSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    if (i.code === 'unrecognized_keys') throw unknownKeyError(raw, i.path, i.keys, knownKeysAt(i.path), file);
    const key = i.path.join('.');
    throw new EngineError('WORKFLOW_INVALID', `workflow ${file}: ${key || '(top)'}: ${i.message}`, {
      file,
      key,
    });
  }
  const wf = parsed.data;
  if (wf.jobs.length === 0) {
    throw new EngineError(
      'WORKFLOW_EMPTY',
      `workflow ${file} has no jobs: there is nothing to run; add jobs to its "jobs" list`,
      { file, key: 'jobs' },
    );
  }
  checkNulBytes(wf, file);
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

/** The keys the schema knows at an issue's path: the top level, a job, its task or an output. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(workflowSchema.shape);
  if (path.length === 2) return Object.keys(workflowJobSchema.shape);
  if (path[2] === 'task') return Object.keys(workflowJobSchema.shape.task.unwrap().shape);
  return Object.keys(workflowOutputSchema.shape);
}

/** Read and validate a workflow JSON file. */
export function loadWorkflow(path: string): Workflow {
  return parseWorkflow(readWorkflowJson(path), path);
}

/**
 * The JSON value of a workflow file, not validated: WORKFLOW_READ when it cannot be read,
 * WORKFLOW_JSON (with the line and column) when it is not JSON, e.g. cut short by a full disk.
 */
export function readWorkflowJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EngineError('WORKFLOW_READ', `cannot read workflow ${path}: ${(e as Error).message}`, {
      file: path,
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at = /at position (\d+)/.exec(msg);
    const pos = at ? Number(at[1]) : text.length;
    const before = text.slice(0, pos).split('\n');
    const line = before.length;
    const column = before[before.length - 1].length + 1;
    const cut =
      pos >= text.trimEnd().length
        ? ' It ends early: it was cut short (a full disk, a copy or a write that was killed).'
        : '';
    throw new EngineError(
      'WORKFLOW_JSON',
      `workflow ${path} is not valid JSON at line ${line}, column ${column} (${msg.replace(/ in JSON at position \d+.*$/, '')}).${cut} Fix the file, or write it again (quanta qgraph writes a new submit dir).`,
      { file: path, line, column },
    );
  }
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
