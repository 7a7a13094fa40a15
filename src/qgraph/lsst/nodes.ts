/**
 * The quanta of a saved LSST graph, read by the small Python helper shipped with quanta
 * (python/quanta_lsst/qgraph_nodes.py) in the user's own LSST Python: JSON out, parsed here.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { GraphError } from '../../errors.js';
import { runTool } from './run-tool.js';

const valuesSchema = z.record(z.string(), z.union([z.string(), z.number()]));

const nodeSchema = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  dataId: valuesSchema,
  /** the implied dimension values (bps's clustering reads them too) */
  implied: valuesSchema.optional(),
  needs: z.array(z.string()),
  /** with `--metadata-in`: where run-qbb writes the quantum's `<label>_metadata` (null: not a local file) */
  metadata: z.string().nullable().optional(),
});

const nodesSchema = z.object({
  outputRun: z.string(),
  output: z.string().nullable(),
  inputs: z.array(z.string()),
  /** the pipeline's tasks in dependency order, with the labels each reads from */
  tasks: z.array(z.object({ label: z.string(), parents: z.array(z.string()) })).optional(),
  nodes: z.array(nodeSchema),
});

export type LsstNode = z.infer<typeof nodeSchema>;
export type LsstNodes = z.infer<typeof nodesSchema>;

/** python/quanta_lsst/qgraph_nodes.py, from src/ (tests) and from dist/ (the CLI) alike. */
export function nodesHelper(): string {
  const p = fileURLToPath(new URL('../../../python/quanta_lsst/qgraph_nodes.py', import.meta.url));
  if (!existsSync(p)) throw new Error(`quanta's Python helper is missing: ${p}`);
  return p;
}

/**
 * @example
 * ```ts
 * const g = await readLsstNodes('/venv/bin/python', 'submit/x/lsst.qg', 'submit/x/logs/qgraph.log');
 * g.nodes[0]; // { id: '01a2…', label: 'scale', dataId: { instrument: 'ExampleCam', detector: 0 }, needs: [] }
 * ```
 * With `metadataIn` (the butler config; clustered runs) each node also gets `metadata`, the file
 * that says the quantum succeeded (docs/lsst.md, "Clustering"); this reads the whole graph.
 */
export async function readLsstNodes(
  python: string,
  qgraphFile: string,
  log: string,
  env?: NodeJS.ProcessEnv,
  metadataIn?: string,
): Promise<LsstNodes> {
  const argv = [python, nodesHelper(), qgraphFile, ...(metadataIn ? ['--metadata-in', metadataIn] : [])];
  const { stdout } = await runTool(
    { argv, log, env, captureStdout: true },
    {
      code: 'LSST_QGRAPH_NODES',
      what: `reading the quanta of ${qgraphFile} (python ${nodesHelper()})`,
      hint: `the graph was written by pipetask qgraph, but its Python (${python}) could not read it`,
    },
  );
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (e) {
    throw new GraphError('LSST_QGRAPH_NODES', `the node list of ${qgraphFile} is not JSON (see ${log})`, {
      cause: e,
    });
  }
  const r = nodesSchema.safeParse(json);
  if (!r.success) {
    throw new GraphError(
      'LSST_QGRAPH_NODES',
      `the node list of ${qgraphFile} has an unexpected shape: ${r.error.issues[0]?.message} at ${r.error.issues[0]?.path.join('.')}`,
    );
  }
  return r.data;
}
