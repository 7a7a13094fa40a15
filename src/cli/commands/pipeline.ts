import type { Command } from 'commander';
import { loadPipeline } from '../../pipeline/load.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { Conn } from '../../task/define-task.js';
import { printJson } from '../output.js';

function connLine(name: string, c: Conn): string {
  const flags = [c.multiple ? 'multiple' : '', c.deferLoad ? 'deferLoad' : ''].filter(Boolean).join(', ');
  return `${name}: ${c.datasetType} [${c.dimensions.join(', ')}] ${c.storageClass}${flags ? ` (${flags})` : ''}`;
}

/** Human form of `quanta pipeline show`: tasks in execution order. */
export function formatPipeline(p: Pipeline): string {
  const lines: string[] = [];
  lines.push(`pipeline ${p.file}${p.description ? `: ${p.description}` : ''}`);
  if (p.instrument) lines.push(`instrument: ${p.instrument}`);
  p.tasks.forEach((t, i) => {
    const what =
      t.kind === 'command'
        ? `command: ${(t.argv ?? []).join(' ')}`
        : `${t.taskName} (${t.module}#${t.exportName})`;
    lines.push('', `${i + 1}. ${t.label}: ${what}`, `   quantum dimensions: [${t.dimensions.join(', ')}]`);
    const groups: [string, Record<string, Conn>][] = [
      ['inputs', t.inputs],
      ['prerequisite inputs', t.prerequisiteInputs],
      ['outputs', t.outputs],
    ];
    for (const [title, conns] of groups) {
      const entries = Object.entries(conns);
      if (entries.length === 0) continue;
      lines.push(`   ${title}:`);
      for (const [n, c] of entries) lines.push(`     ${connLine(n, c)}`);
    }
    if (t.kind === 'ts' && Object.keys(t.config).length) lines.push(`   config: ${JSON.stringify(t.config)}`);
  });
  const subsets = Object.entries(p.subsets);
  if (subsets.length) {
    lines.push('', 'subsets:');
    for (const [n, s] of subsets)
      lines.push(`  ${n}: ${s.labels.join(', ')}${s.description ? ` (${s.description})` : ''}`);
  }
  const inputs = Object.values(p.datasetTypes).filter((d) => d.producer === undefined);
  if (inputs.length) lines.push('', `overall inputs: ${inputs.map((d) => d.name).join(', ')}`);
  return lines.join('\n');
}

export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('Inspect pipelines (pipe_base-style YAML)');
  pipeline
    .command('show')
    .description('Tasks in execution order with their connections and quantum dimensions')
    .argument('<pipeline>', 'PIPELINE.yaml, optionally #label,subset,...')
    .option('--json', 'print one JSON document')
    .action(async (spec: string, opts: { json?: boolean }) => {
      const p = await loadPipeline(spec);
      if (opts.json) {
        printJson({
          file: p.file,
          description: p.description ?? null,
          instrument: p.instrument ?? null,
          parameters: p.parameters,
          tasks: p.tasks.map((t) => ({
            label: t.label,
            kind: t.kind,
            taskName: t.taskName,
            module: t.module ?? null,
            exportName: t.exportName ?? null,
            argv: t.argv ?? null,
            dimensions: t.dimensions,
            inputs: t.inputs,
            prerequisiteInputs: t.prerequisiteInputs,
            outputs: t.outputs,
            config: t.config,
          })),
          subsets: p.subsets,
          datasetTypes: p.datasetTypes,
        });
      } else {
        process.stdout.write(`${formatPipeline(p)}\n`);
      }
    });
}
