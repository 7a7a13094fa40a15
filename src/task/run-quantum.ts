/**
 * The task runner: executes one quantum from its JSON file. Inputs are read through the
 * datastore, outputs are written atomically to exactly the predicted paths, and the result
 * (`<quantumFile>.result.json`) is written atomically last, so its presence means success.
 */
import { readFileSync } from 'node:fs';
import { ExecutorError } from '../errors.js';
import type { DataId, DeferredHandle, TaskDefinition, TaskLogger } from './define-task.js';
import { loadTask } from './load-task.js';
import {
  quantumFileSchema,
  type QuantumFile,
  type QuantumOutput,
  type QuantumRef,
  type QuantumResult,
} from './quantum-file.js';
import { openDatastore } from './datastore-access.js';
import { isClusterFile } from './cluster-file.js';
import { runCluster } from './run-cluster.js';
import type { FileDatastore } from '../butler/datastore/index.js';
import { writeJsonAtomic } from '../util/atomic-json.js';

export interface RunQuantumOptions {
  /** where task log lines go (default: stderr, which the job runner sends to the job's log) */
  log?: TaskLogger;
  /**
   * false: a single quantum's result is only returned, not written to `<quantumFile>.result.json`
   * (a warm worker sends it to its parent with the quantum's end: one file less per quantum).
   * A cluster's quanta always write theirs: they are its per-quantum completion markers.
   */
  resultFile?: boolean;
}

function stderrLogger(label: string, dataId: DataId): TaskLogger {
  const prefix = `${label} ${Object.values(dataId).join('.')}`;
  const line =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`${new Date().toISOString()} ${level} ${prefix}: ${msg}${extra}\n`);
    };
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

/** Read and validate a quantum file. */
export async function readQuantumFile(quantumFile: string): Promise<QuantumFile> {
  let raw: unknown;
  try {
    // sync: a few hundred bytes, read once per quantum (see util/atomic-json.ts)
    raw = JSON.parse(readFileSync(quantumFile, 'utf8'));
  } catch (e) {
    throw new ExecutorError(
      'QUANTUM_FILE',
      `cannot read quantum file ${quantumFile}: ${(e as Error).message}`,
      {
        file: quantumFile,
      },
    );
  }
  const parsed = quantumFileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ExecutorError(
      'QUANTUM_FILE',
      `quantum file ${quantumFile}: ${i.path.join('.')}: ${i.message}`,
      {
        file: quantumFile,
        key: i.path.join('.'),
      },
    );
  }
  return parsed.data;
}

function loadInputs(
  task: TaskDefinition,
  q: QuantumFile,
  datastore: FileDatastore,
): Promise<Record<string, unknown>> {
  const conns = { ...task.connections.inputs, ...task.connections.prerequisiteInputs };
  const out: Record<string, unknown> = {};
  const pending: Promise<void>[] = [];
  for (const [name, conn] of Object.entries(conns)) {
    const refs = q.inputs[name] ?? [];
    const handle = (ref: QuantumRef): DeferredHandle => ({
      dataId: ref.dataId,
      load: () => datastore.get(ref.path, ref.storageClass),
    });
    if (conn.multiple) {
      if (conn.deferLoad) {
        out[name] = refs.map(handle);
      } else {
        const values: { dataId: DataId; value: unknown }[] = refs.map((r) => ({
          dataId: r.dataId,
          value: undefined,
        }));
        refs.forEach((r, i) =>
          pending.push(datastore.get(r.path, r.storageClass).then((v) => void (values[i].value = v))),
        );
        out[name] = values;
      }
    } else if (refs.length === 0) {
      out[name] = undefined;
    } else if (conn.deferLoad) {
      out[name] = handle(refs[0]);
    } else {
      pending.push(datastore.get(refs[0].path, refs[0].storageClass).then((v) => void (out[name] = v)));
    }
  }
  return Promise.all(pending).then(() => out);
}

function sameDataId(a: DataId, b: DataId): boolean {
  for (const k of Object.keys(a)) if (k in b && String(a[k]) !== String(b[k])) return false;
  return true;
}

/** Pair each predicted output ref with the value the task returned for it. */
function pairOutputs(
  task: TaskDefinition,
  q: QuantumFile,
  returned: Record<string, unknown>,
): [QuantumRef, unknown][] {
  const pairs: [QuantumRef, unknown][] = [];
  const where = `task ${q.task.label} (${task.name})`;
  for (const [name, conn] of Object.entries(task.connections.outputs)) {
    const refs = q.outputs[name] ?? [];
    if (refs.length === 0) continue;
    const value = returned[name];
    if (value === undefined) {
      throw new ExecutorError(
        'TASK_OUTPUT_MISSING',
        `${where} returned no value for output connection ${name}`,
      );
    }
    if (!conn.multiple) {
      pairs.push([refs[0], value]);
      continue;
    }
    if (!Array.isArray(value)) {
      throw new ExecutorError(
        'TASK_OUTPUT_SHAPE',
        `${where}: output ${name} is multiple; return an array of {dataId, value}`,
      );
    }
    for (const ref of refs) {
      const hit = (value as { dataId: DataId; value: unknown }[]).find(
        (v) => v && sameDataId(v.dataId, ref.dataId),
      );
      if (!hit) {
        throw new ExecutorError(
          'TASK_OUTPUT_MISSING',
          `${where} returned no ${name} for data ID ${JSON.stringify(ref.dataId)}`,
        );
      }
      pairs.push([ref, hit.value]);
    }
  }
  return pairs;
}

/**
 * Run one quantum: read `quantumFile`, import its task (cached per process), load the inputs,
 * call `run`, write every output to its predicted path and then `<quantumFile>.result.json`
 * (unless `resultFile: false`).
 *
 * @example
 * ```ts
 * import { runQuantum } from 'quanta';
 * const result = await runQuantum('/submit/u/me/run/quanta/isr/isr.2340.12.json');
 * console.log(result.outputs.map((o) => o.path));
 * ```
 */
export async function runQuantum(quantumFile: string, opts: RunQuantumOptions = {}): Promise<QuantumResult> {
  // a cluster job's payload is a cluster file: its quanta run here, one after the other (run-cluster.ts)
  if (isClusterFile(quantumFile)) {
    const r = await runCluster(quantumFile, (f) => runSingleQuantum(f, { ...opts, resultFile: true }));
    return { outputs: r.outputs.map((o) => ({ ...o, checksum: o.checksum ?? '' })) };
  }
  return runSingleQuantum(quantumFile, opts);
}

async function runSingleQuantum(quantumFile: string, opts: RunQuantumOptions): Promise<QuantumResult> {
  const q = await readQuantumFile(quantumFile);
  const { task } = await loadTask(q.task.module, q.task.exportName);
  const parsedConfig = task.config.safeParse(q.task.config);
  if (!parsedConfig.success) {
    const i = parsedConfig.error.issues[0];
    throw new ExecutorError('TASK_CONFIG', `task ${q.task.label}: config ${i.path.join('.')}: ${i.message}`, {
      file: quantumFile,
      key: i.path.join('.'),
    });
  }
  const datastore = openDatastore(q.datastoreRoot);
  const inputs = await loadInputs(task, q, datastore);
  const log = opts.log ?? stderrLogger(q.task.label, q.dataId);
  const returned = (await task.run({ inputs, config: parsedConfig.data, dataId: q.dataId, log })) ?? {};
  const outputs: QuantumOutput[] = [];
  for (const [ref, value] of pairOutputs(task, q, returned as Record<string, unknown>)) {
    const written = await datastore.put(value, {
      id: ref.id,
      datasetType: ref.datasetType,
      run: q.run,
      dataId: ref.dataId,
      storageClass: ref.storageClass,
      path: ref.path,
    });
    if (written.path !== ref.path) {
      throw new ExecutorError(
        'OUTPUT_PATH',
        `task ${q.task.label}: ${ref.datasetType} was written to ${written.path}, not the predicted ${ref.path}`,
      );
    }
    outputs.push({
      id: ref.id,
      datasetType: ref.datasetType,
      path: written.path,
      checksum: written.checksum,
      size: written.size,
    });
  }
  const result: QuantumResult = { outputs };
  if (opts.resultFile !== false) writeJsonAtomic(`${quantumFile}.result.json`, result);
  return result;
}
