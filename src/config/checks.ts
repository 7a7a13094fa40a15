import { ConfigError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { displayPath, keyLocation } from './display.js';
import {
  BPS_PASSTHROUGH,
  PARSL_KEYS,
  PAYLOAD_PASSTHROUGH,
  PAYLOAD_USED,
  PIPETASK_PASSTHROUGH,
  RESOURCE_KEYS,
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

/** Keys nobody reads are most often typos: warn with a "did you mean", never fail. */
export function unknownKeyWarnings(user: Tree, origins: Origins): string[] {
  const out: string[] = [];
  const check = (section: unknown, base: string[], known: readonly string[]): void => {
    if (!isMapping(section)) return;
    for (const k of Object.keys(section)) {
      if (known.includes(k)) continue;
      const path = [...base, k];
      const o = originOf(origins, path);
      const where =
        o?.kind === 'file'
          ? `${displayPath(o.file)}:${o.keyLine ?? o.line}:${o.keyColumn ?? o.column}: `
          : '';
      const near = didYouMean(k, known);
      out.push(
        `${where}unknown key "${showPath(path)}"${near ? ` (did you mean "${near}"?)` : ''}; it is ignored.`,
      );
    }
  };
  check(user, [], [...TOP_LEVEL_USED, ...BPS_PASSTHROUGH]);
  check(user.payload, ['payload'], [...PAYLOAD_USED, ...PAYLOAD_PASSTHROUGH]);
  check(user.parsl_config, ['parsl_config'], PARSL_KEYS);
  if (isMapping(user.pipetask)) {
    for (const [label, section] of Object.entries(user.pipetask)) {
      check(section, ['pipetask', label], [...RESOURCE_KEYS, ...PIPETASK_PASSTHROUGH]);
    }
  }
  return out;
}
