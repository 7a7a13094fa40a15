/** quanta's reading of a pipeline in the shape python/quanta_lsst/pipeline_ir.py prints pipe_base's. */
import type { PipelineDefinition } from '../../src/pipeline/definition.js';

export interface PipeBaseView {
  description: string | null;
  instrument: string | null;
  parameters: Record<string, unknown>;
  tasks: { label: string; class: string; configs: unknown[] }[];
  subsets: Record<string, { labels: string[]; description: string | null }>;
  steps: { label: string; dimensions: string[] }[];
  contracts: { contract: string; msg: string | null }[];
}

const byName = <T>(entries: [string, T][]): [string, T][] =>
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function quantaView(d: PipelineDefinition): PipeBaseView {
  return {
    description: d.description ?? null,
    instrument: d.instrument ?? null,
    parameters: d.parameters,
    tasks: d.tasks.map((t) => ({
      label: t.label,
      class: t.className,
      configs: t.configs.map((b) => ({
        python: b.python ?? null,
        file: b.file,
        dataId: b.dataId ?? null,
        rest: b.rest,
      })),
    })),
    subsets: Object.fromEntries(
      byName(Object.entries(d.subsets)).map(([k, s]) => [
        k,
        { labels: [...s.labels].sort(), description: s.description ?? null },
      ]),
    ),
    steps: d.steps,
    contracts: d.contracts
      .map((c) => ({ contract: c.contract, msg: c.msg ?? null }))
      .sort((a, b) => (a.contract < b.contract ? -1 : a.contract > b.contract ? 1 : 0)),
  };
}
