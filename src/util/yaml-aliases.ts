/**
 * A limit on what YAML aliases may expand to. A "billion laughs" document (`a: &a [x, x, ...]`,
 * `b: &b [*a, *a, ...]`, ...) is a few hundred bytes that expand to 10^9 values: whoever walks
 * it as a tree (our config reader, a schema check, JSON.stringify) runs for minutes and then
 * runs out of memory. The expanded size is counted without expanding (each anchored node once),
 * and a document is refused when its aliases make it far larger than it is written.
 */
import { isAlias, isMap, isPair, isSeq, type Document, type Node } from 'yaml';
import { UsageError } from '../errors.js';

/** Documents may expand to this many values, and to more only if aliases add little (below). */
export const MAX_EXPANDED = 1_000_000;
/** ... or to this many times the values written in them: generous for anchors used as defaults */
const MAX_RATIO = 10;

function refuse(file: string, written: number, expanded: number): never {
  const shown = Number.isFinite(expanded)
    ? `about ${expanded.toExponential(1)}`
    : 'infinitely many (an alias inside its own anchor)';
  throw new UsageError(
    'YAML_ALIASES',
    `its aliases (*name) expand to ${shown} values, from ${written} written (more than ${MAX_EXPANDED.toLocaleString('en-US')} and ${MAX_RATIO} times the values written): a "billion laughs" document, or anchors nested much too deep. quanta does not read it; write the values out, or use fewer nested aliases.`,
    { file },
  );
}

function check(file: string, written: number, expanded: number): void {
  if (expanded > MAX_EXPANDED && expanded > MAX_RATIO * written) refuse(file, written, expanded);
}

/** Refuse a parsed `yaml` document whose aliases expand too far (YAML_ALIASES naming `file`). */
export function checkYamlAliases(doc: Document, file: string): void {
  const memo = new Map<unknown, number>();
  const open = new Set<unknown>();
  let written = 0;
  const size = (n: unknown): number => {
    if (n === null || n === undefined) return 1;
    if (isAlias(n)) {
      const target = n.resolve(doc);
      if (!target) return 1;
      if (open.has(target)) return Infinity;
      return memo.get(target) ?? size(target);
    }
    const cached = memo.get(n);
    if (cached !== undefined) return cached;
    written++;
    open.add(n);
    let s = 1;
    if (isMap(n) || isSeq(n)) {
      for (const item of (n as { items: unknown[] }).items) {
        s += isPair(item) ? size(item.key) + size(item.value) : size(item);
        if (s === Infinity) break;
      }
    }
    open.delete(n);
    memo.set(n, s);
    return s;
  };
  const total = size(doc.contents as Node | null);
  check(file, written, total);
}

/**
 * The same for a value js-yaml loaded: js-yaml gives an alias the very object of its anchor, so
 * shared objects are counted once each (by identity) and then multiplied by their uses.
 */
export function checkLoadedAliases(value: unknown, file: string): void {
  const memo = new Map<object, number>();
  const open = new Set<object>();
  let written = 0;
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const cached = memo.get(v);
    if (cached !== undefined) return cached;
    if (open.has(v)) return Infinity;
    written++;
    open.add(v);
    let s = 1;
    const children: unknown[] = Array.isArray(v)
      ? v
      : v instanceof Date || ArrayBuffer.isView(v)
        ? []
        : Object.values(v as Record<string, unknown>);
    for (const c of children) {
      if (c === null || typeof c !== 'object') written++;
      s += size(c);
      if (s === Infinity) break;
    }
    open.delete(v);
    memo.set(v, s);
    return s;
  };
  // size() first: it is what counts `written` (as arguments, `written` would be read before, as 0)
  const total = size(value);
  check(file, written, total);
}
