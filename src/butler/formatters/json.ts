/** StructuredData <-> JSON (UTF-8, pretty-printed so a person can read the file). */
import { DatastoreError } from '../../errors.js';
import type { Formatter } from './formatter.js';

export const jsonFormatter: Formatter<unknown> = {
  storageClass: 'StructuredData',
  extension: '.json',
  write(value, ctx) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value, null, 2);
    } catch (e) {
      throw new DatastoreError(
        'DATASTORE_BAD_VALUE',
        `${ctx.what}: value is not JSON-serialisable (${(e as Error).message})`,
      );
    }
    if (text === undefined)
      throw new DatastoreError(
        'DATASTORE_BAD_VALUE',
        `${ctx.what}: value is not JSON-serialisable (got ${typeof value})`,
      );
    return new TextEncoder().encode(text + '\n');
  },
  read(bytes, ctx) {
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    } catch (e) {
      throw new DatastoreError('DATASTORE_BAD_FILE', `${ctx.what}: not valid JSON (${(e as Error).message})`);
    }
  },
};
