import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, ParsedNode } from 'yaml';
import { ConfigError } from '../errors.js';
import { checkYamlAliases } from '../util/yaml-aliases.js';
import { expandEnv } from './env.js';
import { isStrictPath } from './keys.js';
import { pathKey, showPath } from './tree.js';
import type { Layer, Origin, Tree } from './tree.js';
import { displayPath } from './display.js';

export interface SourceOptions {
  env: NodeJS.ProcessEnv;
  /** the place that included this file, for "missing file" errors */
  includedFrom?: { file: string; line: number; column: number; key: string };
  /** warnings collected for the caller */
  warnings: string[];
}

/**
 * Reads one YAML file into a tree, recording the line/column of every value, and expands `${NAME}`
 * in its strings right away (so errors point into the file that holds the reference).
 */
export function readYamlSource(file: string, opts: SourceOptions): Layer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : String((e as Error).message);
    const from = opts.includedFrom;
    if (from) {
      throw new ConfigError(
        'CONFIG_INCLUDE_MISSING',
        `cannot read included config ${displayPath(file)} (${reason}); it is listed in ${from.key} of ${displayPath(from.file)}: fix the path or set the variables it uses.`,
        { file: displayPath(from.file), line: from.line, column: from.column, key: from.key },
      );
    }
    throw new ConfigError('CONFIG_MISSING', `cannot read submit config ${displayPath(file)} (${reason}).`, {
      file: displayPath(file),
    });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = err.linePos?.[0];
    const msg = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?.*$/, '');
    throw new ConfigError('CONFIG_YAML', `malformed YAML: ${msg}. Fix the syntax at this position.`, {
      file: displayPath(file),
      line: pos?.line,
      column: pos?.col,
    });
  }
  checkYamlAliases(doc, displayPath(file)); // before convert() walks every alias expanded
  const origins = new Map<string, Origin>();
  const ctx = { file, text, lineCounter, doc, origins, opts };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) {
    return { tree: {}, origins };
  }
  if (!isMap(root)) {
    const pos = lineCounter.linePos(root.range?.[0] ?? 0);
    throw new ConfigError('CONFIG_YAML', 'a submit config must be a YAML mapping of keys to values.', {
      file: displayPath(file),
      line: pos.line,
      column: pos.col,
    });
  }
  const tree = convert(root, [], ctx) as Tree;
  return { tree, origins };
}

interface Ctx {
  file: string;
  text: string;
  lineCounter: LineCounter;
  doc: Document.Parsed;
  origins: Map<string, Origin>;
  opts: SourceOptions;
}

function place(ctx: Ctx, offset: number): { line: number; column: number } {
  const p = ctx.lineCounter.linePos(offset);
  return { line: p.line, column: p.col };
}

function convert(node: Node | ParsedNode | null, path: (string | number)[], ctx: Ctx): unknown {
  if (node === null) return null;
  if (isAlias(node)) return convert(node.resolve(ctx.doc) ?? null, path, ctx);
  if (isMap(node)) {
    const out: Tree = {};
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = String(isScalar(keyNode) ? keyNode.value : keyNode);
      const child = [...path, key];
      const keyOffset = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
      ctx.origins.set(pathKey(child), { kind: 'file', file: ctx.file, ...place(ctx, keyOffset) });
      out[key] = convert(pair.value as Node | null, child, ctx);
      // scalars are located at their value, collections at their key
      const v = pair.value as Node | null;
      if (isScalar(v) && v.range) {
        const prev = ctx.origins.get(pathKey(child));
        const k = place(ctx, keyOffset);
        const at = place(ctx, v.range[0]);
        ctx.origins.set(pathKey(child), {
          ...prev,
          kind: 'file',
          file: ctx.file,
          ...at,
          keyLine: k.line,
          keyColumn: k.column,
        });
      }
    }
    return out;
  }
  if (isSeq(node)) {
    return node.items.map((item, i) => {
      const child = [...path, i];
      const off = (item as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0;
      ctx.origins.set(pathKey(child), { kind: 'file', file: ctx.file, ...place(ctx, off) });
      return convert(item as Node | null, child, ctx);
    });
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v !== 'string') return v ?? null;
    return expandScalar(v, node, path, ctx);
  }
  return null;
}

function expandScalar(v: string, node: Node, path: (string | number)[], ctx: Ctx): string {
  const r = expandEnv(v, ctx.opts.env);
  const key = pathKey(path);
  const start = node.range?.[0] ?? 0;
  if (r.used.length > 0) {
    const o = ctx.origins.get(key) ?? { kind: 'file' as const, file: ctx.file, ...place(ctx, start) };
    ctx.origins.set(key, { ...o, env: r.used });
  }
  if (!r.missing) return r.value;
  // locate `${NAME}` in the source text (quoting and escapes make the value offset approximate)
  const raw = ctx.text.slice(start, node.range?.[1] ?? start);
  const at = raw.indexOf(`\${${r.missing.name}}`);
  const pos = place(ctx, start + Math.max(0, at));
  const hint = r.missing.hint ? ` (did you mean \${${r.missing.hint}}?)` : '';
  if (!isStrictPath(path)) {
    ctx.opts.warnings.push(
      `${displayPath(ctx.file)}:${pos.line}:${pos.column}: ${showPath(path)}: environment variable \${${r.missing.name}} is not set${hint}; left unexpanded (quanta does not use this key).`,
    );
    return r.value;
  }
  throw new ConfigError(
    'CONFIG_ENV',
    `environment variable \${${r.missing.name}} is not set${hint}; it is used by key "${showPath(path)}". Export it or change the config.`,
    { file: displayPath(ctx.file), ...pos, key: showPath(path) },
  );
}
