/**
 * QueryError construction with a location: the message names the 1-based column (and line, for
 * multi-line expressions) and ends with the offending source line and a caret under the spot.
 */
import { QueryError, type ErrorCode } from '../../errors.js';

export interface LineColumn {
  line: number;
  column: number;
}

/** 1-based line and column of a 0-based offset. */
export function lineColumn(source: string, pos: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

/** `source`'s line holding `pos`, with a caret line under `pos`. */
export function caret(source: string, pos: number): string {
  const { line, column } = lineColumn(source, pos);
  const text = source.split('\n')[line - 1] ?? '';
  // tabs keep their width in the caret line so the caret lines up in a terminal
  const pad = text.slice(0, column - 1).replace(/[^\t]/g, ' ');
  return `${text}\n${pad}^`;
}

/**
 * A QueryError located at `pos` of `source`. Without a source (an AST built by code) the message
 * still names the offset-based column.
 */
export function queryErrorAt(
  code: ErrorCode,
  message: string,
  source: string | undefined,
  pos: number,
): QueryError {
  if (source === undefined) {
    return new QueryError(code, `${message} (at column ${pos + 1} of the expression)`, { column: pos + 1 });
  }
  const { line, column } = lineColumn(source, pos);
  const where = source.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
  return new QueryError(code, `${message} (at ${where} of the expression)\n${caret(source, pos)}`, {
    line,
    column,
  });
}
