/**
 * The quanta of a saved LSST graph, read by the small Python helper shipped with quanta
 * (python/quanta_lsst/qgraph_nodes.py) in the user's own LSST Python: JSON out, parsed here.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { GraphError } from '../../errors.js';
import { runTool } from './run-tool.js';

const nodeSchema = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  dataId: z.record(z.string(), z.union([z.string(), z.number()])),
  needs: z.array(z.string()),
});

const nodesSchema = z.object({
  outputRun: z.string(),
  output: z.string().nullable(),
  inputs: z.array(z.string()),
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
 */
export async function readLsstNodes(
  python: string,
  qgraphFile: string,
  log: string,
  env?: NodeJS.ProcessEnv,
): Promise<LsstNodes> {
  const { stdout } = await runTool(
    { argv: [python, nodesHelper(), qgraphFile], log, env, captureStdout: true },
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
