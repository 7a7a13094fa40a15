/**
 * Config blocks as pipe_base keeps them (ConfigIR): how a YAML `config:` entry becomes blocks,
 * how a redeclared label's blocks are merged into the imported ones, and how `parameters.x`
 * values are filled in for a Python task (pipe_base's ConfigIR.formatted).
 */
import { cloneBlock, type ConfigBlock } from './ir.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One YAML config mapping -> a block: `python`, `file` (string or list) and `dataId` are pulled out. */
export function toConfigBlock(raw: Obj): ConfigBlock {
  const { python, file, dataId, ...rest } = raw;
  const block: ConfigBlock = {
    file: file === undefined || file === null ? [] : Array.isArray(file) ? file.map(String) : [String(file)],
    rest,
  };
  if (python !== undefined && python !== null) block.python = String(python);
  if (isObj(dataId)) block.dataId = dataId;
  return block;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Append `next` to `blocks` the way pipe_base's TaskIR.add_or_update_config does: merged into the
 * last block when neither has python or file overrides, their dataIds agree and no key gets two
 * different values; otherwise added as a block of its own. Applying the blocks in order gives
 * the same config either way; merging keeps the list what pipe_base shows.
 */
export function addOrUpdateConfig(blocks: ConfigBlock[], next: ConfigBlock): ConfigBlock[] {
  const last = blocks.at(-1);
  if (!last) return [cloneBlock(next)];
  const mergeable =
    same(last.dataId, next.dataId) &&
    last.python === undefined &&
    next.python === undefined &&
    last.file.length === 0 &&
    next.file.length === 0 &&
    Object.keys(next.rest).every((k) => !(k in last.rest) || same(last.rest[k], next.rest[k]));
  if (!mergeable) return [...blocks, cloneBlock(next)];
  return [...blocks.slice(0, -1), { ...cloneBlock(last), rest: { ...last.rest, ...next.rest } }];
}

/**
 * pipe_base's substitution: a top-level value that is the string `parameters.<name>` becomes
 * the parameter's value when it is defined; anything else (and an undefined name, on which
 * pipe_base only warns) is kept as written.
 */
export function formatBlock(block: ConfigBlock, parameters: Obj): ConfigBlock {
  const rest: Obj = {};
  for (const [k, v] of Object.entries(block.rest)) {
    const m = typeof v === 'string' ? /^parameters[.](.*)/.exec(v) : null;
    rest[k] = m && m[1] in parameters ? parameters[m[1]] : v;
  }
  return { ...cloneBlock(block), rest };
}
