/**
 * The cluster runner: one job, the quanta of one cluster (cluster-file.ts), in dependency order,
 * in this process. A quantum whose result file and outputs exist already is skipped: a cluster
 * that was interrupted (kill -9, lost node, wall time) and runs again never runs a finished
 * quantum twice. Each quantum writes its result file when it succeeds; the cluster's own
 * `<clusterFile>.result.json` (every output, for the manager to register) comes last.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ExecutorError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-json.js';
import { clusterFileSchema, type ClusterFile, type ClusterMember } from './cluster-file.js';

/** One output as result files list it; commands' outputs have no checksum. */
export interface ClusterOutput {
  id: string;
  datasetType: string;
  path: string;
  checksum?: string;
  size: number;
}

export interface ClusterResult {
  outputs: ClusterOutput[];
  /** job ids of the quanta this run ran, and of those it found done */
  ran: string[];
  skipped: string[];
}

/** Runs one task quantum from its file (run-quantum.ts; passed in so that the two modules do not import each other). */
export type RunOne = (quantumFile: string) => Promise<{ outputs: ClusterOutput[] }>;

export async function readClusterFile(file: string): Promise<ClusterFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ExecutorError('CLUSTER_FILE', `cannot read cluster file ${file}: ${(e as Error).message}`, {
      file,
    });
  }
  const parsed = clusterFileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ExecutorError('CLUSTER_FILE', `cluster file ${file}: ${i.path.join('.')}: ${i.message}`, {
      file,
      key: i.path.join('.'),
    });
  }
  return parsed.data;
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The result of a quantum that finished in an earlier run: its result file and every output exist. */
async function finished(m: ClusterMember): Promise<{ outputs: ClusterOutput[] } | undefined> {
  let res: { outputs: ClusterOutput[] };
  try {
    res = JSON.parse(await readFile(m.result, 'utf8')) as { outputs: ClusterOutput[] };
  } catch {
    return undefined;
  }
  const all = await Promise.all(m.outputs.map((o) => exists(o.path)));
  return all.every(Boolean) ? res : undefined;
}

/** A command quantum: its output goes to this job's log; exit 0 and every predicted output make it done. */
async function runCommand(c: ClusterFile, m: ClusterMember): Promise<{ outputs: ClusterOutput[] }> {
  const argv = m.argv!;
  const failed = (why: string): ExecutorError =>
    new ExecutorError(
      'CLUSTER_COMMAND_FAILED',
      `cluster ${c.cluster.name}: quantum ${m.jobId} (command ${argv[0]}) ${why}; its log is this job's log`,
    );
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>(
    (resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (b: Buffer) => process.stdout.write(b));
      child.stderr.on('data', (b: Buffer) => process.stderr.write(b));
      child.on('error', (e) => reject(failed(`could not start: ${e.message}`)));
      child.on('close', (code, signal) => resolve({ code, signal }));
    },
  );
  if (code !== 0) throw failed(signal ? `was killed by ${signal}` : `exited with ${code}`);
  const outputs: ClusterOutput[] = [];
  for (const o of m.outputs) {
    const st = await stat(o.path).catch(() => undefined);
    if (!st) throw failed(`exited 0 but did not write ${o.datasetType} at ${o.path}`);
    outputs.push({ id: o.id, datasetType: o.datasetType, path: o.path, size: st.size });
  }
  await mkdir(dirname(m.result), { recursive: true });
  writeJsonAtomic(m.result, { outputs });
  return { outputs };
}

function logLine(c: ClusterFile, msg: string): void {
  process.stderr.write(`${new Date().toISOString()} INFO cluster ${c.cluster.name}: ${msg}\n`);
}

/**
 * Run the quanta of `clusterFile` in order; stop at the first that fails (the job fails, and a
 * retry or restore starts again after the quanta that finished).
 *
 * @example
 * ```ts
 * const r = await runCluster('/submit/u/me/run/clusters/sfp/sfp_2340_12.cluster.json', runQuantum);
 * console.log(r.ran, r.skipped);
 * ```
 */
export async function runCluster(clusterFile: string, runOne: RunOne): Promise<ClusterResult> {
  const c = await readClusterFile(clusterFile);
  const outputs: ClusterOutput[] = [];
  const ran: string[] = [];
  const skipped: string[] = [];
  const n = c.quanta.length;
  for (const [i, m] of c.quanta.entries()) {
    const done = await finished(m);
    if (done) {
      logLine(c, `quantum ${i + 1}/${n} ${m.jobId}: finished in an earlier run, skipped`);
      outputs.push(...done.outputs);
      skipped.push(m.jobId);
      continue;
    }
    logLine(c, `quantum ${i + 1}/${n} ${m.jobId}: running`);
    const t0 = performance.now();
    const r = m.task ? await runOne(m.task.quantumFile) : await runCommand(c, m);
    logLine(c, `quantum ${i + 1}/${n} ${m.jobId}: done in ${((performance.now() - t0) / 1000).toFixed(3)} s`);
    outputs.push(...r.outputs);
    ran.push(m.jobId);
  }
  writeJsonAtomic(`${clusterFile}.result.json`, { outputs });
  return { outputs, ran, skipped };
}
