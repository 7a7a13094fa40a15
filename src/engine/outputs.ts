/**
 * Output handling: after a job exits 0, each of its predicted outputs must exist (written by the
 * job and renamed into place) before the manager, the only registry writer, registers them in the
 * output run, in batches. Only then is the job succeeded. Registration is idempotent by dataset id,
 * so a crash between registering and journaling is repaired by rerunning the job.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { EngineError } from '../errors.js';
import { loadQuantumGraph } from '../qgraph/file.js';
import type { TaskOutput } from './executor.js';
import type { Workflow, WorkflowJob, WorkflowOutput } from './workflow.js';

export interface VerifiedOutput extends WorkflowOutput {
  checksum?: string;
  size: number;
}

/** The part of the registry (shared contract item 2) the manager uses. */
interface RegistryLike {
  registerRun(name: string): Promise<unknown>;
  registerCollection(name: string, type: 'RUN' | 'TAGGED' | 'CHAINED'): Promise<unknown>;
  setCollectionChain(parent: string, children: string[]): Promise<unknown>;
  getCollectionChain(name: string): Promise<string[]>;
  getDatasetType(name: string): Promise<unknown>;
  registerDatasetType(t: { name: string; dimensions: string[]; storageClass: string }): Promise<unknown>;
  insertDatasets(
    datasetType: string,
    run: string,
    refs: {
      id?: string;
      dataId: Record<string, string | number>;
      path?: string;
      checksum?: string;
      size?: number;
    }[],
  ): Promise<unknown>;
}
interface ButlerLike {
  registry: RegistryLike;
  close(): Promise<void> | void;
}

export interface OutputRegistrar {
  register(outputs: VerifiedOutput[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Check that every predicted output of `job` exists; returns them with size and checksum. A task
 * job's checksums come from `taskOutputs` (its result, carried back by a warm worker) or, absent
 * that, from its `<quantumFile>.result.json`.
 */
export async function verifyOutputs(
  job: WorkflowJob,
  root: string | undefined,
  taskOutputs?: TaskOutput[],
): Promise<{ outputs: VerifiedOutput[]; missing?: string }> {
  const outputs: VerifiedOutput[] = [];
  const predicted = job.outputs ?? [];
  if (predicted.length === 0) return { outputs };
  let checksums = new Map<string, string>();
  const known = (list: TaskOutput[]) =>
    new Map(list.flatMap((o) => (o.checksum ? [[o.id, o.checksum] as const] : [])));
  if (job.task && taskOutputs) {
    checksums = known(taskOutputs);
  } else if (job.task) {
    try {
      const res = JSON.parse(await readFile(`${job.task.quantumFile}.result.json`, 'utf8')) as {
        outputs: TaskOutput[];
      };
      checksums = known(res.outputs);
    } catch {
      return {
        outputs,
        missing: `${job.task.quantumFile}.result.json (the task did not finish writing its outputs)`,
      };
    }
  }
  for (const o of predicted) {
    const abs = isAbsolute(o.path) ? o.path : join(root ?? process.cwd(), o.path);
    try {
      const st = await stat(abs);
      outputs.push({
        ...o,
        size: st.size,
        ...(checksums.has(o.id) ? { checksum: checksums.get(o.id) } : {}),
      });
    } catch {
      return { outputs, missing: `${o.datasetType} ${JSON.stringify(o.dataId)} at ${abs}` };
    }
  }
  return { outputs };
}

/** Registrar for a workflow with a `butlerRoot`: opens the repository, puts the run in front of the chain. */
export async function openRegistrar(wf: Workflow, submitDir: string): Promise<OutputRegistrar | undefined> {
  if (!wf.butlerRoot) return undefined;
  let butler: ButlerLike;
  try {
    // Loaded on first use: a run without a repository never pays for the registry modules.
    const mod = (await import('../butler/index.js')) as { openButler(root: string): Promise<ButlerLike> };
    butler = await mod.openButler(wf.butlerRoot);
  } catch (e) {
    throw new EngineError(
      'REGISTRY_OPEN',
      `cannot open the output repository ${wf.butlerRoot}: ${(e as Error).message}`,
      {
        file: wf.butlerRoot,
      },
    );
  }
  const runs = new Set<string>();
  for (const j of wf.jobs) for (const o of j.outputs ?? []) runs.add(o.run);
  for (const r of runs) await butler.registry.registerRun(r);
  await ensureDatasetTypes(butler.registry, wf, submitDir);
  if (wf.outputCollection) {
    const chainName = wf.outputCollection;
    let current: string[];
    try {
      current = await butler.registry.getCollectionChain(chainName);
    } catch {
      await butler.registry.registerCollection(chainName, 'CHAINED');
      current = wf.inputCollections ?? [];
    }
    const front = [...runs];
    await butler.registry.setCollectionChain(chainName, [...front, ...current.filter((c) => !runs.has(c))]);
  }
  return {
    async register(outputs) {
      const groups = new Map<string, VerifiedOutput[]>();
      for (const o of outputs) {
        const k = `${o.datasetType}\0${o.run}`;
        const g = groups.get(k);
        if (g) g.push(o);
        else groups.set(k, [o]);
      }
      for (const g of groups.values()) {
        await butler.registry.insertDatasets(
          g[0].datasetType,
          g[0].run,
          g.map((o) => ({ id: o.id, dataId: o.dataId, path: o.path, checksum: o.checksum, size: o.size })),
        );
      }
    },
    async close() {
      await butler.close();
    },
  };
}

/** Output dataset types the registry does not know yet are registered from the run's quantum graph. */
async function ensureDatasetTypes(registry: RegistryLike, wf: Workflow, submitDir: string): Promise<void> {
  const names = new Set<string>();
  for (const j of wf.jobs) for (const o of j.outputs ?? []) names.add(o.datasetType);
  const missing: string[] = [];
  for (const n of names) {
    const known = await registry.getDatasetType(n).then(
      (t) => !!t,
      () => false,
    );
    if (!known) missing.push(n);
  }
  const qg = join(submitDir, 'qgraph.qg');
  if (missing.length === 0 || !existsSync(qg)) return;
  const types = new Map(loadQuantumGraph(qg).datasetTypes.map((t) => [t.name, t]));
  for (const n of missing) {
    const t = types.get(n);
    if (t)
      await registry.registerDatasetType({
        name: t.name,
        dimensions: t.dimensions,
        storageClass: t.storageClass,
      });
  }
}
