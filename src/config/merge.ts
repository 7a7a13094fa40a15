import { isMapping, pathKey } from './tree.js';
import type { ConfigPath, Layer, Origins, Tree } from './tree.js';

/**
 * Deep merge of `src` over `dst` (bps semantics): mappings merge key by key, anything else (scalars,
 * lists) replaces. Origins follow the values: a replaced subtree loses its old origins.
 */
export function mergeLayer(dst: Layer, src: Layer): Layer {
  mergeTree(dst.tree, src.tree, dst.origins, src.origins, []);
  return dst;
}

function mergeTree(dst: Tree, src: Tree, dstO: Origins, srcO: Origins, base: (string | number)[]): void {
  for (const [k, v] of Object.entries(src)) {
    const path = [...base, k];
    const cur = dst[k];
    if (isMapping(cur) && isMapping(v)) {
      // the key itself now also appears in the later file: point at the later one
      const o = srcO.get(pathKey(path));
      if (o) dstO.set(pathKey(path), o);
      mergeTree(cur, v, dstO, srcO, path);
      continue;
    }
    dropOrigins(dstO, path);
    dst[k] = structuredClone(v);
    copyOrigins(srcO, dstO, path);
  }
}

function dropOrigins(origins: Origins, path: ConfigPath): void {
  const key = pathKey(path);
  for (const k of [...origins.keys()]) {
    if (k === key || k.startsWith(`${key}\u0000`)) origins.delete(k);
  }
}

function copyOrigins(from: Origins, to: Origins, path: ConfigPath): void {
  const key = pathKey(path);
  for (const [k, o] of from) {
    if (k === key || k.startsWith(`${key}\u0000`)) to.set(k, o);
  }
}
