/** YAML parsing that remembers where each key is, so errors can name file:line:column. */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Tags } from 'yaml';
import { checkYamlAliases } from '../util/yaml-aliases.js';
import { PipelineError } from '../errors.js';

export interface Pos {
  line: number;
  column: number;
}

export type YamlPath = (string | number)[];

export interface LocatedYaml {
  file: string;
  value: unknown;
  /** line (1-based) of the key or item at `path`, or of the closest ancestor found */
  lineOf(path: YamlPath): number | undefined;
  /** line and column of the key or item at `path`, or of the closest ancestor found */
  posOf(path: YamlPath): Pos | undefined;
  /** line and column of the value at `path`; with `needle`, of that text inside the value */
  valuePos(path: YamlPath, needle?: string): Pos | undefined;
}

// PyYAML's booleans: YAML 1.1 without the single letters y/Y/n/N (which stay strings there)
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;

function pyYamlTags(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:bool' || !t.test) return t;
    return { ...t, test: t.test.test('true') ? PY_TRUE : PY_FALSE };
  });
}

interface Ranged {
  range?: [number, number, number];
}

export function readLocatedYaml(file: string): LocatedYaml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PipelineError(
      'PIPELINE_NOT_FOUND',
      `cannot read pipeline file ${file}: ${(e as Error).message}`,
      { file },
    );
  }
  const lc = new LineCounter();
  // YAML 1.1, as PyYAML (pipe_base's reader) has it: `yes`/`no`/`on`/`off` are booleans, `1_000` a number
  const doc: Document = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    version: '1.1',
    customTags: pyYamlTags,
  });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const pos = lc.linePos(err.pos[0]);
    throw new PipelineError('PIPELINE_YAML', `invalid YAML: ${err.message.split('\n')[0]}`, {
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  checkYamlAliases(doc, file);
  const at = (offset: number): Pos => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  /** walk `path`; the position of the deepest key/item found, and the node there */
  const walk = (path: YamlPath): { pos?: Pos; node?: unknown; complete: boolean } => {
    let node: unknown = doc.contents;
    let pos: Pos | undefined;
    for (const key of path) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
        );
        if (pair && isScalar(pair.key) && pair.key.range) pos = at(pair.key.range[0]);
        next = pair?.value;
      } else if (isSeq(node) && typeof key === 'number') {
        next = node.items[key];
        const range = (next as Ranged | undefined)?.range;
        if (range) pos = at(range[0]);
      }
      if (next === undefined || next === null) return { pos, complete: false };
      node = next;
    }
    return { pos, node, complete: true };
  };
  const valuePos = (path: YamlPath, needle?: string): Pos | undefined => {
    const w = walk(path);
    const range = (w.node as Ranged | undefined)?.range;
    if (!w.complete || !range) return w.pos;
    const i = needle === undefined ? -1 : text.slice(range[0], range[1]).indexOf(needle);
    return at(range[0] + Math.max(i, 0));
  };
  return {
    file,
    // aliases are limited by checkYamlAliases above, not by toJS's own count (a stack trace)
    value: doc.toJS({ maxAliasCount: -1 }) as unknown,
    lineOf: (path) => walk(path).pos?.line,
    posOf: (path) => walk(path).pos,
    valuePos,
  };
}
