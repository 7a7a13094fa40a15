/**
 * An LSST quantum graph -> quanta's plain workflow, the jobs ctrl_bps makes of it: one
 * `pipetaskInit` job (`pipetask pre-exec-init-qbb`), one job per quantum (`pipetask run-qbb …
 * --qgraph-node-id ID`) that needs pipetaskInit and the quanta whose outputs it reads, and one
 * `finalJob` (`butler aggregate-graph`) after every quantum, which brings the outputs into the
 * repository. They are plain command jobs: the engine runs, retries and restores them as any other.
 * The final job runs even when quanta failed (`runWhen: "always"`, bps's `finalJob.whenRun:
 * ALWAYS`, its default), so that the outputs that were made reach the repository.
 */
import type { JobResources, Workflow, WorkflowJob } from '../workflow.js';
import { safeIdPart, uniqueJobId } from '../workflow.js';
import { expandCommand, type CommandValues, type Template } from './commands.js';
import type { LsstNode } from './nodes.js';

export const INIT_LABEL = 'pipetaskInit';
export const FINAL_LABEL = 'finalJob';

export interface LsstWorkflowOptions {
  name: string;
  nodes: LsstNode[];
  commands: CommandValues;
  templates: { pipetaskInit: Template; finalJob: Template; runQuantum: (label: string) => Template };
  resources: (label: string) => JobResources;
  /** when the final job runs (bps `finalJob.whenRun`): `always` (default) or `success` */
  finalRunWhen?: 'always' | 'success';
}

/** Job ids like `scale.12`: the label and the quantum's data ID values without the instrument. */
export function lsstJobIds(nodes: LsstNode[]): string[] {
  const seen = new Set<string>([INIT_LABEL, FINAL_LABEL]);
  return nodes.map((n) => {
    const values = Object.entries(n.dataId)
      .filter(([k]) => k !== 'instrument')
      .map(([, v]) => safeIdPart(v));
    return uniqueJobId([n.label, ...values], seen);
  });
}

function withResources(
  job: Omit<WorkflowJob, 'requestMemory' | 'requestCpus'>,
  r: JobResources,
): WorkflowJob {
  return {
    ...job,
    requestMemory: r.requestMemory,
    requestCpus: r.requestCpus,
    ...(r.timeoutSec !== undefined ? { timeoutSec: r.timeoutSec } : {}),
    ...(r.numberOfRetries !== undefined ? { numberOfRetries: r.numberOfRetries } : {}),
    ...(r.memoryMultiplier !== undefined ? { memoryMultiplier: r.memoryMultiplier } : {}),
  };
}

/**
 * @example
 * ```ts
 * const wf = lsstWorkflow({ name: 'example', nodes, commands, templates, resources: (l) => config.resources(l) });
 * wf.jobs.map((j) => j.id); // ['pipetaskInit', 'scale.0', 'scale.1', 'sum', 'finalJob']
 * ```
 */
export function lsstWorkflow(opts: LsstWorkflowOptions): Workflow {
  const ids = lsstJobIds(opts.nodes);
  const idOf = new Map(opts.nodes.map((n, i) => [n.id, ids[i]]));
  const init = withResources(
    {
      id: INIT_LABEL,
      label: INIT_LABEL,
      argv: expandCommand(opts.templates.pipetaskInit, opts.commands),
      needs: [],
    },
    opts.resources(INIT_LABEL),
  );
  const needed = new Set<string>();
  const quanta = opts.nodes.map((n, i) => {
    const upstream = n.needs.map((q) => {
      const id = idOf.get(q);
      if (!id) throw new Error(`quantum ${n.id} needs ${q}, which is not in the graph's node list`);
      needed.add(id);
      return id;
    });
    const commands: CommandValues = {
      ...opts.commands,
      values: { ...opts.commands.values, qgraphNodeId: n.id, label: n.label },
    };
    return withResources(
      {
        id: ids[i],
        label: n.label,
        argv: expandCommand(opts.templates.runQuantum(n.label), commands),
        needs: [INIT_LABEL, ...upstream],
      },
      opts.resources(n.label),
    );
  });
  // every quantum is upstream of some sink, so the final job waits for all by waiting for the sinks
  const sinks = quanta.filter((q) => !needed.has(q.id)).map((q) => q.id);
  const finalRes = opts.resources(FINAL_LABEL);
  const finalCommands: CommandValues = {
    ...opts.commands,
    values: { ...opts.commands.values, requestCpus: String(finalRes.requestCpus), label: FINAL_LABEL },
  };
  const final = withResources(
    {
      id: FINAL_LABEL,
      label: FINAL_LABEL,
      argv: expandCommand(opts.templates.finalJob, finalCommands),
      needs: sinks.length ? sinks : [INIT_LABEL],
      ...((opts.finalRunWhen ?? 'always') === 'always' ? { runWhen: 'always' as const } : {}),
    },
    finalRes,
  );
  return { name: opts.name, jobs: [init, ...quanta, final] };
}
