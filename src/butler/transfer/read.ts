/**
 * Reading a daf_butler export file: the YAML (js-yaml with the export tags), the top-level keys
 * and the format version. daf_butler's export format is 1.0.2; it reads `version: 0` (written
 * before versions were checked) as 1.0.0, any 1.0.x, and refuses another major version or a
 * newer minor one (1.1+), as quanta does. Errors name the file, line and column or key.
 */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { RegistryError } from '../../errors.js';
import { ExportLines } from './lines.js';
import { LOAD_SCHEMA } from './tags.js';
import { checkLoadedAliases } from '../../util/yaml-aliases.js';

export type Entry = Record<string, unknown>;

/** The export format version quanta writes (daf_butler's EXPORT_FORMAT_VERSION). */
export const EXPORT_FORMAT_VERSION = '1.0.2';

export interface ExportFile {
  file: string;
  version: [number, number, number];
  universeVersion: number;
  universeNamespace: string;
  entries: Entry[];
  lines: ExportLines;
}

function parseVersion(file: string, v: unknown): [number, number, number] {
  // daf_butler reads 0 as 1.0.0; a file without a version (hand-written) is read the same way
  if (v === 0 || v === '0' || v === undefined || v === null) return [1, 0, 0];
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(String(v ?? '').trim());
  const bad = (why: string): RegistryError =>
    new RegistryError('IMPORT_VERSION', `${file}: export format version "${String(v)}" ${why}.`, {
      file,
      key: 'version',
    });
  if (!m) throw bad('is not MAJOR.MINOR.PATCH (or 0)');
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (major !== 1) throw bad('has another major version: 1.x.x is required, as daf_butler requires');
  if (minor > 0)
    throw bad(`is newer than ${EXPORT_FORMAT_VERSION}, the newest this quanta (and daf_butler) reads`);
  return [major, minor, patch];
}

export function readExportFile(file: string): ExportFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RegistryError('IMPORT_READ', `Cannot read export file ${file}: ${(e as Error).message}.`, {
      file,
    });
  }
  let top: Entry | null;
  try {
    top = load(text, { schema: LOAD_SCHEMA, filename: file }) as Entry | null;
  } catch (e) {
    const mark = (e as { mark?: { line?: number; column?: number } }).mark;
    const line = mark?.line !== undefined ? mark.line + 1 : undefined;
    const column = mark?.column !== undefined ? mark.column + 1 : undefined;
    const reason = ((e as { reason?: string }).reason ?? (e as Error).message).split('\n')[0];
    throw new RegistryError(
      'IMPORT_YAML',
      `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: not valid YAML: ${reason}`,
      { file, line, column },
    );
  }
  // js-yaml shares an anchor's object with its aliases: what walks the entries would expand them
  checkLoadedAliases(top, file);
  if (!top || typeof top !== 'object' || !Array.isArray(top.data))
    throw new RegistryError(
      'IMPORT_FORMAT',
      `${file} is not a butler export: it needs a top-level "data" list.`,
      { file, key: 'data' },
    );
  const lines = new ExportLines(file, text);
  const entries = top.data as unknown[];
  entries.forEach((e, i) => {
    if (!e || typeof e !== 'object' || Array.isArray(e))
      throw new RegistryError('IMPORT_FORMAT', `${lines.at(i)}: data[${i}] is not a mapping with a "type".`, {
        file,
        line: lines.entry(i),
        key: `data[${i}]`,
      });
  });
  return {
    file,
    version: parseVersion(file, top.version),
    universeVersion: Number(top.universe_version ?? 0),
    universeNamespace: String(top.universe_namespace ?? 'daf_butler'),
    entries: entries as Entry[],
    lines,
  };
}
