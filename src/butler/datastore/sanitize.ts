/**
 * Turning data ID values and run names into path segments that can never escape the
 * datastore root. Unsafe characters are percent-encoded (injective, so two different values
 * never share a file); control characters are refused; over-long values are shortened with a
 * hash suffix.
 */
import { createHash } from 'node:crypto';
import { DatastoreError } from '../../errors.js';

/** Longest encoded value kept whole; longer ones become prefix + '~' + 16 hex of sha256. */
const MAX_VALUE = 80;
/** Most filesystems limit a name to 255 bytes. */
export const MAX_SEGMENT = 255;

const SAFE = /[A-Za-z0-9_+=,@-]|\./;
/** A value that encodes to itself: safe characters only, no leading dot (most values, e.g. numbers). */
const ALL_SAFE = /^[A-Za-z0-9_+=,@-][A-Za-z0-9_+=,@.-]*$/;

function encodeChar(ch: string): string {
  return [...new TextEncoder().encode(ch)]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}

/** NUL and the other C0 controls (and DEL) never belong in a file name. */
export function hasControlChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${text.slice(0, max - 17)}~${hash}`;
}

/**
 * Encode one value as a single path segment: `/`, `\`, `%`, spaces etc. become %XX, a
 * leading dot is encoded (no hidden files, no `.` / `..`, no clash with `.tmp-` temp names).
 */
export function encodeSegment(value: string | number, key: string): string {
  const text = String(value);
  // the fast path of a quantum graph's millions of paths; the same result as the loop below
  if (text.length <= MAX_VALUE && ALL_SAFE.test(text)) return text;
  if (text === '')
    throw new DatastoreError(
      'DATASTORE_BAD_PATH_VALUE',
      `data ID value of "${key}" is empty; it cannot name a file`,
      {
        key,
      },
    );
  if (hasControlChar(text)) {
    throw new DatastoreError(
      'DATASTORE_BAD_PATH_VALUE',
      `value of "${key}" contains a control character (e.g. NUL); it cannot name a file`,
      {
        key,
      },
    );
  }
  let out = '';
  for (const ch of text) out += SAFE.test(ch) ? ch : encodeChar(ch);
  if (out.startsWith('.')) out = '%2E' + out.slice(1);
  return shorten(out, MAX_VALUE);
}

/**
 * A run name as nested directories: `u/alice/step1/20250101T000000Z` keeps its slashes, but
 * empty segments (leading `/`, `//`, trailing `/`) and `.` / `..` segments are refused.
 */
const encodedRuns = new Map<string, string[]>();

export function encodeRun(run: string): string[] {
  // runs are few and paths many (a graph's outputs share one run); callers only read the list
  const known = encodedRuns.get(run);
  if (known) return known;
  if (typeof run !== 'string' || run === '')
    throw new DatastoreError('DATASTORE_BAD_RUN', 'run name is empty', { key: 'run' });
  const parts = run.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..') {
      throw new DatastoreError(
        'DATASTORE_BAD_RUN',
        `run name "${run}" has an empty, "." or ".." segment; use names like u/alice/step1/20250101T000000Z`,
        { key: 'run' },
      );
    }
  }
  const encoded = parts.map((p) => encodeSegment(p, 'run'));
  if (encodedRuns.size < 1000) encodedRuns.set(run, encoded);
  return encoded;
}
