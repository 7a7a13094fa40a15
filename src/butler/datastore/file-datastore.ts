/**
 * The file datastore: datasets are files under the repository root at paths rendered from
 * templates; values are (de)serialised by the formatter of their storage class; writes are
 * atomic and return the sha256 checksum and size the registry records.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DatastoreError } from '../../errors.js';
import { getFormatter } from '../formatters/index.js';
import { atomicWriteFile } from './atomic.js';
import { checkTemplate, DEFAULT_TEMPLATE, renderTemplate } from './templates.js';

/** What the datastore needs of a dataset ref (structurally a subset of the registry's DatasetRef). */
export interface DatastoreRef {
  id?: string;
  datasetType: string;
  run: string;
  dataId: Record<string, string | number>;
  storageClass: string;
  /** where the dataset is (or is to be) stored, relative to the root */
  path?: string;
}

export interface StoredFile {
  path: string;
  checksum: string;
  size: number;
}

/** An empty, "." or ".." segment of a slash-separated path. */
const SUSPECT_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** Templates by dataset type name; the key `default` replaces the built-in default. */
export type TemplateMap = Record<string, string>;

export class FileDatastore {
  readonly root: string;
  private readonly templates: TemplateMap;

  constructor(root: string, templates: TemplateMap = {}) {
    this.root = resolve(root);
    for (const [key, t] of Object.entries(templates)) checkTemplate(t, key);
    this.templates = { default: DEFAULT_TEMPLATE, ...templates };
  }

  /** The template that applies to a dataset type. */
  templateFor(datasetType: string): string {
    return this.templates[datasetType] ?? this.templates.default;
  }

  /** Relative path of a dataset, from its template plus the formatter's extension. */
  pathFor(ref: Omit<DatastoreRef, 'path' | 'id'>): string {
    const ext = getFormatter(ref.storageClass).extension;
    // A template may spell the extension itself; strip it so appended dimensions go before it.
    const template = this.templateFor(ref.datasetType);
    const path =
      renderTemplate(template.endsWith(ext) ? template.slice(0, -ext.length) : template, ref) + ext;
    // the containment check, for good measure; a relative path without empty, "." or ".."
    // segments cannot leave the root, which spares resolve() for the millions of a graph
    if (path.includes('\0') || isAbsolute(path) || SUSPECT_SEGMENT.test(path)) this.absolute(path);
    return path;
  }

  /**
   * Absolute path of a stored file. Relative paths must stay inside the root (DatastoreError
   * otherwise); absolute paths (files ingested in place) are returned as they are.
   */
  absolute(path: string): string {
    if (path.includes('\0'))
      throw new DatastoreError(
        'DATASTORE_PATH_ESCAPE',
        `datastore path contains NUL: ${JSON.stringify(path)}`,
      );
    if (isAbsolute(path)) return resolve(path);
    const abs = resolve(this.root, path);
    const rel = relative(this.root, abs);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new DatastoreError(
        'DATASTORE_PATH_ESCAPE',
        `datastore path "${path}" resolves outside the repository root ${this.root}`,
      );
    }
    return abs;
  }

  /** Absolute path for writing: must lie inside the root even when given absolute. */
  private target(path: string): string {
    const abs = isAbsolute(path) ? resolve(path) : this.absolute(path);
    const rel = relative(this.root, abs);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new DatastoreError(
        'DATASTORE_PATH_ESCAPE',
        `refusing to write "${path}": it is outside the repository root ${this.root}`,
      );
    }
    return abs;
  }

  /**
   * Serialise `value` by `ref.storageClass` and write it atomically to `ref.path` (when given,
   * e.g. a path predicted in the quantum graph) or to the templated path.
   */
  async put(value: unknown, ref: DatastoreRef): Promise<StoredFile> {
    const formatter = getFormatter(ref.storageClass);
    const path = ref.path ?? this.pathFor(ref);
    const abs = this.target(path);
    const bytes = await formatter.write(value, { what: describe(ref) });
    await atomicWriteFile(abs, bytes);
    return {
      path: isAbsolute(path) ? relative(this.root, abs).split(sep).join('/') : path,
      checksum: sha256(bytes),
      size: bytes.length,
    };
  }

  /** Read a dataset back as the in-memory value of `storageClass`. */
  async get(pathOrRef: string | DatastoreRef, storageClass?: string): Promise<unknown> {
    const ref = typeof pathOrRef === 'string' ? undefined : pathOrRef;
    const sc = storageClass ?? ref?.storageClass;
    if (!sc)
      throw new DatastoreError(
        'DATASTORE_UNKNOWN_STORAGE_CLASS',
        `no storage class given to read ${String(pathOrRef)}`,
      );
    const formatter = getFormatter(sc);
    const path = ref ? (ref.path ?? this.pathFor(ref)) : (pathOrRef as string);
    const abs = this.absolute(path);
    const what = ref ? `${describe(ref)} (${path})` : path;
    const bytes = await readFile(abs).catch((e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ENOENT'
          ? 'the file does not exist (was the producing quantum run?)'
          : (e.code ?? e.message);
      throw new DatastoreError('DATASTORE_MISSING_FILE', `cannot read ${what}: ${why}`, { file: abs });
    });
    return formatter.read(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { what });
  }

  /** Whether the file of a dataset exists. */
  async exists(pathOrRef: string | DatastoreRef): Promise<boolean> {
    const path = typeof pathOrRef === 'string' ? pathOrRef : (pathOrRef.path ?? this.pathFor(pathOrRef));
    return stat(this.absolute(path)).then(
      (st) => st.isFile(),
      () => false,
    );
  }

  /** Delete the file of a dataset (no error when it is already gone). */
  async remove(pathOrRef: string | DatastoreRef): Promise<void> {
    const path = typeof pathOrRef === 'string' ? pathOrRef : (pathOrRef.path ?? this.pathFor(pathOrRef));
    await rm(this.target(path), { force: true });
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function describe(ref: DatastoreRef): string {
  const id = Object.entries(ref.dataId)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : v}`)
    .join(', ');
  return `dataset ${ref.datasetType}@{${id}} in run ${ref.run}`;
}
