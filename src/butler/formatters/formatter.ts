/**
 * A formatter turns the in-memory value of one storage class into file bytes and back.
 * The datastore picks the formatter by the dataset type's storage class.
 */
import { DatastoreError } from '../../errors.js';
import { didYouMean } from '../../util/levenshtein.js';

export interface FormatContext {
  /** names the dataset or file in error messages */
  what: string;
}

export interface Formatter<T = unknown> {
  storageClass: string;
  /** file name extension including the dot, e.g. '.fits' */
  extension: string;
  /** validate and serialise; throws DatastoreError naming `ctx.what` for a bad value */
  write(value: unknown, ctx: FormatContext): Uint8Array | Promise<Uint8Array>;
  read(bytes: Uint8Array, ctx: FormatContext): T | Promise<T>;
}

const formatters = new Map<string, Formatter>();

/** Register (or replace) the formatter of a storage class. */
export function registerFormatter(storageClass: string, formatter: Formatter): void {
  formatters.set(storageClass, formatter);
}

/** The formatter of a storage class; DatastoreError (with a suggestion) when unknown. */
export function getFormatter(storageClass: string): Formatter {
  const f = formatters.get(storageClass);
  if (f) return f;
  const hint = didYouMean(storageClass, formatters.keys());
  throw new DatastoreError(
    'DATASTORE_UNKNOWN_STORAGE_CLASS',
    `unknown storage class "${storageClass}"${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${[...formatters.keys()].sort().join(', ')}`,
    { key: storageClass },
  );
}

export function knownStorageClasses(): string[] {
  return [...formatters.keys()].sort();
}
