/** YAML parsing that remembers where each key is, so errors can name file:line. */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { PipelineError } from '../errors.js';

export interface LocatedYaml {
  file: string;
  value: unknown;
  /** line (1-based) of the key or item at `path`, or of the closest ancestor found */
  lineOf(path: (string | number)[]): number | undefined;
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
  const doc: Document = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const pos = lc.linePos(err.pos[0]);
    throw new PipelineError(
      'PIPELINE_YAML',
      `${file}:${pos.line}: invalid YAML: ${err.message.split('\n')[0]}`,
      {
        file,
        line: pos.line,
        column: pos.col,
      },
    );
  }
  const lineOf = (path: (string | number)[]): number | undefined => {
    let node: unknown = doc.contents;
    let line: number | undefined;
    for (const key of path) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
        );
        if (pair && isScalar(pair.key) && pair.key.range) line = lc.linePos(pair.key.range[0]).line;
        next = pair?.value;
      } else if (isSeq(node) && typeof key === 'number') {
        next = node.items[key];
        const range = (next as { range?: [number, number, number] } | undefined)?.range;
        if (range) line = lc.linePos(range[0]).line;
      }
      if (next === undefined) break;
      node = next;
    }
    return line;
  };
  return { file, value: doc.toJS() as unknown, lineOf };
}
