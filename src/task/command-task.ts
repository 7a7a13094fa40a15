/**
 * Command tasks: any executable driven by an argv template, so Python scripts or LSST's own
 * `pipetask` can be part of a pipeline. Placeholders, filled per quantum:
 * `{input.<conn>}` / `{output.<conn>}` (absolute datastore paths), `{dataId.<dim>}`, `{run}`,
 * `{label}`. A placeholder that is a whole argv element expands to one element per path; inside
 * a longer element several paths are joined with commas.
 */
import { z } from 'zod';
import type { Conn, DataId, TaskConnections } from './define-task.js';

const connSchema = z.object({
  datasetType: z.string(),
  dimensions: z.array(z.string()),
  storageClass: z.string(),
  multiple: z.boolean().optional(),
  deferLoad: z.boolean().optional(),
});

export const commandTaskConfigSchema = z.strictObject({
  argv: z.array(z.string()).min(1),
  dimensions: z.array(z.string()),
  connections: z.strictObject({
    inputs: z.record(z.string(), connSchema).optional(),
    prerequisiteInputs: z.record(z.string(), connSchema).optional(),
    outputs: z.record(z.string(), connSchema),
  }),
});

export type CommandTaskConfig = z.infer<typeof commandTaskConfigSchema>;

const PLACEHOLDER = /\{([A-Za-z_]+)(?:\.([A-Za-z0-9_]+))?\}/g;

/** Placeholders of an argv template that do not name a connection or dimension (for validation). */
export function unknownPlaceholders(
  argv: string[],
  connections: TaskConnections,
  dimensions: string[],
): string[] {
  const inputs = new Set([
    ...Object.keys(connections.inputs ?? {}),
    ...Object.keys(connections.prerequisiteInputs ?? {}),
  ]);
  const outputs = new Set(Object.keys(connections.outputs));
  const bad: string[] = [];
  for (const arg of argv) {
    for (const m of arg.matchAll(PLACEHOLDER)) {
      const [whole, kind, name] = m;
      const ok =
        (kind === 'input' && name !== undefined && inputs.has(name)) ||
        (kind === 'output' && name !== undefined && outputs.has(name)) ||
        (kind === 'dataId' && name !== undefined && dimensions.includes(name)) ||
        ((kind === 'run' || kind === 'label') && name === undefined);
      if (!ok) bad.push(whole);
    }
  }
  return bad;
}

export interface ArgvContext {
  label: string;
  run: string;
  dataId: DataId;
  /** absolute paths per input connection */
  inputs: Record<string, string[]>;
  /** absolute paths per output connection */
  outputs: Record<string, string[]>;
}

/**
 * Fill an argv template for one quantum.
 *
 * @example
 * ```ts
 * expandArgv(['python', 'isr.py', '--in', '{input.raw}', '--out', '{output.exp}', '--det={dataId.detector}'], ctx)
 * // -> ['python', 'isr.py', '--in', '/repo/raw/..fits', '--out', '/repo/run/..fits', '--det=12']
 * ```
 */
export function expandArgv(argv: string[], ctx: ArgvContext): string[] {
  const lookup = (kind: string, name: string | undefined): string[] => {
    if (kind === 'input') return ctx.inputs[name ?? ''] ?? [];
    if (kind === 'output') return ctx.outputs[name ?? ''] ?? [];
    if (kind === 'dataId') return name !== undefined && name in ctx.dataId ? [String(ctx.dataId[name])] : [];
    if (kind === 'run') return [ctx.run];
    if (kind === 'label') return [ctx.label];
    return [];
  };
  const out: string[] = [];
  for (const arg of argv) {
    const whole = /^\{([A-Za-z_]+)(?:\.([A-Za-z0-9_]+))?\}$/.exec(arg);
    if (whole && (whole[1] === 'input' || whole[1] === 'output')) {
      out.push(...lookup(whole[1], whole[2]));
      continue;
    }
    out.push(
      arg.replace(PLACEHOLDER, (m, kind: string, name: string | undefined) => {
        const values = lookup(kind, name);
        return values.length ? values.join(',') : m;
      }),
    );
  }
  return out;
}

/** The connections of a command task as task connections. */
export function commandConnections(cfg: CommandTaskConfig): TaskConnections {
  const clean = (r?: Record<string, Conn>): Record<string, Conn> | undefined => r;
  return {
    inputs: clean(cfg.connections.inputs),
    prerequisiteInputs: clean(cfg.connections.prerequisiteInputs),
    outputs: cfg.connections.outputs,
  };
}
