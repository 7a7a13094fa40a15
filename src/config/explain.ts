import { displayPath } from './display.js';
import { leaves, originOf, pathKey, showPath } from './tree.js';
import type { Origins, Tree } from './tree.js';

/** One resolved leaf value and where it came from, for `quanta config show --explain`. */
export interface ExplainEntry {
  key: string;
  value: unknown;
  /** `file:line:column`, `default` or `environment ${USER}` */
  source: string;
  /** environment variables substituted into the value */
  env?: string[];
  /** `{names}` substituted into the value */
  refs?: string[];
}

export function explainTree(tree: Tree, origins: Origins, refs: Map<string, string[]>): ExplainEntry[] {
  return leaves(tree).map(([path, value]) => {
    const o = originOf(origins, path);
    const entry: ExplainEntry = { key: showPath(path), value, source: 'default' };
    if (o?.kind === 'file') entry.source = `${displayPath(o.file)}:${o.line}:${o.column}`;
    if (o?.kind === 'default' && o.env?.length === 1 && !o.env[0].includes('$'))
      entry.source = `environment \${${o.env[0]}}`;
    if (o?.env && o.kind === 'file') entry.env = o.env;
    const r = refs.get(pathKey(path));
    if (r) entry.refs = r;
    return entry;
  });
}

/** `payload.payloadName = sfp  # bps_sfp.yaml:9:16` lines for the terminal. */
export function formatExplain(entries: ExplainEntry[]): string {
  return entries
    .map((e) => {
      const extra = [...(e.env ?? []).map((v) => `\${${v}}`), ...(e.refs ?? []).map((r) => `{${r}}`)];
      const value = typeof e.value === 'string' ? e.value : JSON.stringify(e.value);
      return `${e.key} = ${value}\n    <- ${e.source}${extra.length > 0 ? ` (expanded ${extra.join(', ')})` : ''}`;
    })
    .join('\n');
}
