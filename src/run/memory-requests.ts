/**
 * New memory requests for a restore: `--request-memory LABEL=MB` (repeatable, or comma-separated)
 * and `--resources FILE.yaml`, a file of `pipetask.<label>.requestMemory` (what
 * `quanta report --resources-out` writes, edited or not). The flags win over the file.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseMemoryMB } from '../config/index.js';
import { UsageError } from '../errors.js';

function positiveMB(v: unknown): number | undefined {
  const mb = parseMemoryMB(v);
  return mb !== undefined && mb > 0 ? mb : undefined;
}

/** `['isr=4000', 'calibrate=6GB,characterizeImage=3000']` -> { isr: 4000, calibrate: 6144, ... } */
export function parseRequestMemory(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of values.flatMap((v) => v.split(',')).map((s) => s.trim())) {
    if (!item) continue;
    const m = /^([^=\s]+)\s*=\s*(.+)$/.exec(item);
    const mb = m ? positiveMB(m[2]) : undefined;
    if (!m || mb === undefined)
      throw new UsageError(
        'BAD_OPTION',
        `--request-memory '${item}' is not LABEL=MB (e.g. --request-memory calibrate=6000, or calibrate=6GB)`,
        { key: '--request-memory' },
      );
    out[m[1]] = mb;
  }
  return out;
}

/** `pipetask.<label>.requestMemory` of a resources YAML. */
export function readResourcesFile(file: string): Record<string, number> {
  let tree: unknown;
  try {
    tree = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? 'RESOURCES_FILE_MISSING' : 'RESOURCES_FILE',
      code === 'ENOENT'
        ? `--resources ${file}: no such file`
        : `--resources ${file} is not a YAML file: ${(e as Error).message}`,
      { file, key: '--resources' },
    );
  }
  const pipetask = (tree as { pipetask?: unknown } | null)?.pipetask;
  const out: Record<string, number> = {};
  if (pipetask && typeof pipetask === 'object') {
    for (const [label, v] of Object.entries(pipetask as Record<string, unknown>)) {
      const raw = (v as { requestMemory?: unknown } | null)?.requestMemory;
      if (raw === undefined) continue;
      const mb = positiveMB(raw);
      if (mb === undefined)
        throw new UsageError(
          'RESOURCES_FILE',
          `--resources ${file}: pipetask.${label}.requestMemory is ${JSON.stringify(raw)}, not a memory in MB`,
          { file, key: `pipetask.${label}.requestMemory` },
        );
      out[label] = mb;
    }
  }
  if (Object.keys(out).length === 0)
    throw new UsageError(
      'RESOURCES_FILE',
      `--resources ${file} sets no pipetask.<label>.requestMemory (write one with quanta report DIR --resources-out ${file})`,
      { file, key: '--resources' },
    );
  return out;
}

/** The restore's memory requests: `--resources FILE` overridden by `--request-memory`; undefined when neither. */
export function memoryRequests(flags: {
  requestMemory?: readonly string[];
  resources?: string;
}): Record<string, number> | undefined {
  if (!flags.requestMemory?.length && !flags.resources) return undefined;
  return {
    ...(flags.resources ? readResourcesFile(flags.resources) : {}),
    ...parseRequestMemory(flags.requestMemory ?? []),
  };
}
