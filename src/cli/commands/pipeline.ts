import type { Command } from 'commander';
import type { DeclaredTask, PipelineDefinition } from '../../pipeline/definition.js';
import type { ConfigBlock } from '../../pipeline/ir.js';
import type { Contract, Pipeline, PipelineTaskNode, Step, Subset } from '../../pipeline/types.js';
import type { Conn } from '../../task/define-task.js';
import { printJson } from '../output.js';

function connLine(name: string, c: Conn): string {
  const flags = [c.multiple ? 'multiple' : '', c.deferLoad ? 'deferLoad' : ''].filter(Boolean).join(', ');
  return `${name}: ${c.datasetType} [${c.dimensions.join(', ')}] ${c.storageClass}${flags ? ` (${flags})` : ''}`;
}

/** Config blocks as written: `key: value` lines, python: code, file: paths. */
function blockLines(blocks: ConfigBlock[], indent: string): string[] {
  const lines: string[] = [];
  blocks.forEach((b, i) => {
    const pad = blocks.length > 1 ? `${indent}  ` : indent;
    if (blocks.length > 1) lines.push(`${indent}block ${i + 1}:`);
    for (const [k, v] of Object.entries(b.rest)) lines.push(`${pad}${k}: ${JSON.stringify(v)}`);
    if (b.dataId) lines.push(`${pad}dataId: ${JSON.stringify(b.dataId)}`);
    if (b.file.length) lines.push(`${pad}file: ${b.file.join(', ')}`);
    if (b.python !== undefined) {
      lines.push(`${pad}python: |`);
      for (const l of b.python.replace(/\n$/, '').split('\n')) lines.push(`${pad}  ${l}`);
    }
  });
  return lines;
}

function tail(
  subsets: Record<string, Subset>,
  steps: Step[],
  contracts: { contract: string; msg?: string; checked?: boolean }[],
): string[] {
  const lines: string[] = [];
  const entries = Object.entries(subsets);
  if (entries.length) {
    lines.push('', 'subsets:');
    for (const [n, s] of entries)
      lines.push(`  ${n}: ${s.labels.join(', ')}${s.description ? ` (${s.description})` : ''}`);
  }
  if (steps.length) {
    lines.push('', 'steps:');
    for (const s of steps) lines.push(`  ${s.label}: [${s.dimensions.join(', ')}]`);
  }
  if (contracts.length) {
    lines.push('', 'contracts:');
    for (const c of contracts) {
      const state = c.checked === undefined ? '' : c.checked ? ' [checked]' : ' [carried for pipe_base]';
      lines.push(`  ${c.contract}${c.msg ? ` (${c.msg})` : ''}${state}`);
    }
  }
  return lines;
}

function head(p: {
  file: string;
  description?: string;
  instrument?: string;
  parameters: Record<string, unknown>;
}): string[] {
  const lines = [`pipeline ${p.file}${p.description ? `: ${p.description.trim()}` : ''}`];
  if (p.instrument) lines.push(`instrument: ${p.instrument}`);
  if (Object.keys(p.parameters).length) lines.push(`parameters: ${JSON.stringify(p.parameters)}`);
  return lines;
}

const KIND: Record<DeclaredTask['kind'], string> = {
  ts: 'TypeScript task',
  command: 'command task',
  python: 'Python task',
};

/** `quanta pipeline show` without --connections: the tasks as declared; no task code imported. */
export function formatDefinition(d: PipelineDefinition): string {
  const lines = head(d);
  d.tasks.forEach((t, i) => {
    lines.push('', `${i + 1}. ${t.label}: ${t.className} (${KIND[t.kind]})`);
    if (t.configs.length) lines.push('   config:', ...blockLines(t.configs, '     '));
  });
  lines.push(...tail(d.subsets, d.steps, d.contracts));
  return lines.join('\n');
}

function taskLines(t: PipelineTaskNode, i: number): string[] {
  const what =
    t.kind === 'command'
      ? `command: ${(t.argv ?? []).join(' ')}`
      : t.kind === 'python'
        ? `${t.className} (Python task; connections are pipe_base's)`
        : `${t.taskName} (${t.module}#${t.exportName})`;
  const lines = ['', `${i + 1}. ${t.label}: ${what}`];
  if (t.kind === 'python') {
    if (t.configBlocks?.length) lines.push('   config:', ...blockLines(t.configBlocks, '     '));
    return lines;
  }
  lines.push(`   quantum dimensions: [${t.dimensions.join(', ')}]`);
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
  return lines;
}

/** Human form of `quanta pipeline show --connections`: tasks in execution order. */
export function formatPipeline(p: Pipeline): string {
  const lines = head(p);
  p.tasks.forEach((t, i) => lines.push(...taskLines(t, i)));
  lines.push(...tail(p.subsets, p.steps ?? [], p.contracts ?? []));
  const inputs = Object.values(p.datasetTypes).filter((d) => d.producer === undefined);
  if (inputs.length) lines.push('', `overall inputs: ${inputs.map((d) => d.name).join(', ')}`);
  return lines.join('\n');
}

const contractJson = (c: Contract) => ({ contract: c.contract, msg: c.msg ?? null, checked: c.checked });

/** What a loaded pipeline and a bare definition show alike. */
const headerJson = (p: Pick<Pipeline, 'file' | 'description' | 'instrument' | 'parameters'>) => ({
  file: p.file,
  description: p.description ?? null,
  instrument: p.instrument ?? null,
  parameters: p.parameters,
});

function pipelineJson(p: Pipeline): unknown {
  return {
    ...headerJson(p),
    tasks: p.tasks.map((t) => ({
      label: t.label,
      kind: t.kind,
      taskName: t.taskName,
      className: t.className ?? null,
      module: t.module ?? null,
      exportName: t.exportName ?? null,
      argv: t.argv ?? null,
      dimensions: t.dimensions,
      inputs: t.inputs,
      prerequisiteInputs: t.prerequisiteInputs,
      outputs: t.outputs,
      config: t.config,
      configBlocks: t.configBlocks ?? [],
    })),
    subsets: p.subsets,
    steps: p.steps ?? [],
    contracts: (p.contracts ?? []).map(contractJson),
    datasetTypes: p.datasetTypes,
  };
}

function definitionJson(d: PipelineDefinition): unknown {
  return {
    ...headerJson(d),
    tasks: d.tasks.map((t) => ({
      label: t.label,
      kind: t.kind,
      className: t.className,
      configBlocks: t.configs,
    })),
    subsets: d.subsets,
    steps: d.steps,
    contracts: d.contracts.map((c) => ({ contract: c.contract, msg: c.msg ?? null })),
  };
}

export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('Inspect pipelines (pipe_base-style YAML)');
  pipeline
    .command('show')
    .description('The tasks, subsets, steps and contracts of a pipeline, as pipe_base reads it')
    .argument('<pipeline>', 'PIPELINE.yaml, optionally #label,subset,...')
    .option('--connections', 'import the TypeScript task modules: connections, dimensions, execution order')
    .option('--json', 'print one JSON document')
    .action(async (spec: string, opts: { json?: boolean; connections?: boolean }) => {
      // the implementation loads in the action: start-up stays fast (docs/architecture.md)
      if (opts.connections) {
        const { loadPipeline } = await import('../../pipeline/load.js');
        const p = await loadPipeline(spec, { pythonTasks: 'keep' });
        if (opts.json) printJson(pipelineJson(p));
        else process.stdout.write(`${formatPipeline(p)}\n`);
      } else {
        const { readPipeline } = await import('../../pipeline/definition.js');
        const d = readPipeline(spec);
        if (opts.json) printJson(definitionJson(d));
        else process.stdout.write(`${formatDefinition(d)}\n`);
      }
    });
}
