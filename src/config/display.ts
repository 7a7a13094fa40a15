import { isAbsolute, relative } from 'node:path';

/** A path as users want to read it: relative to the working directory when it lies below it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Where a config key was written (file, line, column), for error messages; the top file if unknown. */
export function keyLocation(
  origin: { kind: string; file?: string; line?: number; column?: number } | undefined,
  file: string,
): { file: string; line?: number; column?: number } {
  return origin?.kind === 'file' && origin.file
    ? { file: displayPath(origin.file), line: origin.line, column: origin.column }
    : { file: displayPath(file) };
}
