/**
 * The config as a plain tree (YAML mappings -> objects) plus, for every path in it, where the value
 * came from. Paths are arrays of keys (numbers for list items); `pathKey` makes them Map keys.
 */
export type Tree = Record<string, unknown>;
export type ConfigPath = readonly (string | number)[];

/** Where a value came from: a place in a file, a built-in default, or the environment. */
export type Origin =
  | {
      kind: 'file';
      file: string;
      line: number;
      column: number;
      keyLine?: number;
      keyColumn?: number;
      env?: string[];
    }
  | { kind: 'default'; env?: string[] };

export type Origins = Map<string, Origin>;

/** A tree and the origins of its paths (one file, or several merged). */
export interface Layer {
  tree: Tree;
  origins: Origins;
}

const SEP = '\u0000';

export function pathKey(path: ConfigPath): string {
  return path.join(SEP);
}

/** `payload.payloadName`, `includeConfigs[1]`: how a path is shown to users. */
export function showPath(path: ConfigPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

export function isMapping(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getPath(tree: unknown, path: ConfigPath): unknown {
  let cur: unknown = tree;
  for (const p of path) {
    if (Array.isArray(cur) && typeof p === 'number') cur = cur[p];
    else if (isMapping(cur) && typeof p === 'string' && Object.hasOwn(cur, p)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** The origin of a path, or of its closest ancestor that has one (errors inside a list item, ...). */
export function originOf(origins: Origins, path: ConfigPath): Origin | undefined {
  for (let n = path.length; n >= 0; n--) {
    const o = origins.get(pathKey(path.slice(0, n)));
    if (o) return o;
  }
  return undefined;
}

/** Every leaf (scalar or empty collection) of a tree with its path, in document order. */
export function leaves(tree: unknown, base: (string | number)[] = []): [(string | number)[], unknown][] {
  const out: [(string | number)[], unknown][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (Array.isArray(v) && v.length > 0) v.forEach((x, i) => walk(x, [...path, i]));
    else if (isMapping(v) && Object.keys(v).length > 0)
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    else out.push([path, v]);
  };
  walk(tree, base);
  return out;
}
