import { ConfigError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { displayPath, keyLocation } from './display.js';
import {
  BPS_PASSTHROUGH,
  CLUSTER_TOP_KEYS,
  PARSL_KEYS,
  PAYLOAD_PASSTHROUGH,
  PAYLOAD_USED,
  PIPETASK_PASSTHROUGH,
  RESOURCE_KEYS,
  SELECTING_KEYS,
  TOP_LEVEL_USED,
} from './keys.js';
import { getPath, isMapping, originOf, showPath } from './tree.js';
import type { ConfigPath, Origins, Tree } from './tree.js';

const REQUIRED: ConfigPath[] = [
  ['pipelineYaml'],
  ['payload', 'payloadName'],
  ['payload', 'butlerConfig'],
  ['payload', 'inCollection'],
];

/** Required keys are checked before `{name}` expansion, so the error names them and not a template using them. */
export function checkRequired(user: Tree, origins: Origins, file: string): void {
  const payload = user.payload;
  if (payload !== undefined && !isMapping(payload)) {
    const o = originOf(origins, ['payload']);
    const loc = keyLocation(o, file);
    throw new ConfigError(
      'CONFIG_SCHEMA',
      'key "payload" must be a mapping (payloadName, butlerConfig, inCollection, dataQuery).',
      {
        ...loc,
        key: 'payload',
      },
    );
  }
  for (const path of REQUIRED) {
    const v = getPath(user, path);
    if (v !== undefined && v !== null && v !== '') continue;
    const key = showPath(path);
    const o = originOf(origins, path);
    const loc = keyLocation(o, file);
    const what = v === undefined ? 'missing required key' : 'empty required key';
    throw new ConfigError(
      'CONFIG_SCHEMA',
      `${what} "${key}"; set it in the submit YAML or one of its includeConfigs.`,
      {
        ...loc,
        key,
      },
    );
  }
}

/** An unknown key: where it was written and its nearest known key. */
interface UnknownKey {
  path: string[];
  near?: string;
  /** the near key changes what is selected or requested (SELECTING_KEYS) */
  selecting: boolean;
  where: { file?: string; line?: number; column?: number };
}

/** `{name}` references in the string values of the tree: keys used as variables are not typos. */
function referencedNames(tree: unknown, out = new Set<string>()): Set<string> {
  if (typeof tree === 'string') for (const m of tree.matchAll(/\{([A-Za-z_][\w.]*)\}/g)) out.add(m[1]);
  else if (Array.isArray(tree)) for (const v of tree) referencedNames(v, out);
  else if (isMapping(tree)) for (const v of Object.values(tree)) referencedNames(v, out);
  return out;
}

function unknownKeys(user: Tree, origins: Origins): UnknownKey[] {
  const out: UnknownKey[] = [];
  const variables = referencedNames(user);
  const check = (
    section: unknown,
    base: string[],
    known: readonly string[],
    selecting: readonly string[],
  ): void => {
    if (!isMapping(section)) return;
    for (const k of Object.keys(section)) {
      if (known.includes(k)) continue;
      const path = [...base, k];
      const o = originOf(origins, path);
      const where =
        o?.kind === 'file'
          ? { file: displayPath(o.file), line: o.keyLine ?? o.line, column: o.keyColumn ?? o.column }
          : {};
      const near = didYouMean(k, known);
      // a key that a `{name}` elsewhere uses is a variable of the user's, whatever its spelling
      const isVariable = variables.has(k) || variables.has(showPath(path));
      out.push({
        path,
        near,
        selecting: near !== undefined && selecting.includes(near) && !isVariable,
        where,
      });
    }
  };
  check(user, [], [...TOP_LEVEL_USED, ...CLUSTER_TOP_KEYS, ...BPS_PASSTHROUGH], SELECTING_KEYS.top);
  check(user.payload, ['payload'], [...PAYLOAD_USED, ...PAYLOAD_PASSTHROUGH], SELECTING_KEYS.payload);
  check(user.parsl_config, ['parsl_config'], PARSL_KEYS, SELECTING_KEYS.parsl_config);
  if (isMapping(user.pipetask)) {
    for (const [label, section] of Object.entries(user.pipetask)) {
      check(
        section,
        ['pipetask', label],
        [...RESOURCE_KEYS, ...PIPETASK_PASSTHROUGH],
        SELECTING_KEYS.pipetask,
      );
    }
  }
  if (isMapping(user.cluster)) {
    // a misspelt `pipetask:` or `dimension:` in a cluster section would change the jobs in silence
    for (const [label, section] of Object.entries(user.cluster))
      check(section, ['cluster', label], SELECTING_KEYS.cluster, SELECTING_KEYS.cluster);
  }
  return out;
}

/**
 * Keys nobody reads are most often typos. A typo of a key that changes what is selected or
 * requested (`dataQeury`, `requestMemroy`, `nodes_per_blok`) is an error, unless allowUnknownKeys;
 * other unknown keys are warnings with a "did you mean".
 */
export function unknownKeyWarnings(
  user: Tree,
  origins: Origins,
  file: string,
  opts: { allowUnknownKeys?: boolean } = {},
): string[] {
  const found = unknownKeys(user, origins);
  const fatal = opts.allowUnknownKeys ? undefined : found.find((u) => u.selecting);
  if (fatal) {
    const key = showPath(fatal.path);
    const near = showPath([...fatal.path.slice(0, -1), fatal.near ?? '']);
    const others = found.filter((u) => u.selecting).length - 1;
    throw new ConfigError(
      'CONFIG_UNKNOWN_KEY',
      `unknown key "${key}" (did you mean "${near}"?): quanta ignores unknown keys, and "${near}" changes what is selected or requested.` +
        `${others > 0 ? ` ${others} more such key(s) after this one.` : ''}` +
        ' Fix the key, or pass --allow-unknown-keys to make this a warning.',
      { ...(fatal.where.file ? fatal.where : { file: displayPath(file) }), key },
    );
  }
  return found.map((u) => {
    const { file: f, line, column } = u.where;
    const where = f ? `${f}:${line}:${column}: ` : '';
    return `${where}unknown key "${showPath(u.path)}"${u.near ? ` (did you mean "${u.near}"?)` : ''}; it is ignored.`;
  });
}
