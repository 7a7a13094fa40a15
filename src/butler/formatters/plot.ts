/** Plot: PNG bytes stored as they are; the signature is checked on put and get. */
import { DatastoreError } from '../../errors.js';
import type { Formatter } from './formatter.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

export const plotFormatter: Formatter<Uint8Array> = {
  storageClass: 'Plot',
  extension: '.png',
  write(value, ctx) {
    if (!(value instanceof Uint8Array))
      throw new DatastoreError(
        'DATASTORE_BAD_VALUE',
        `${ctx.what}: a Plot must be a Uint8Array of PNG bytes`,
      );
    if (!isPng(value))
      throw new DatastoreError(
        'DATASTORE_BAD_VALUE',
        `${ctx.what}: bytes do not start with the PNG signature`,
      );
    return value;
  },
  read(bytes, ctx) {
    if (!isPng(bytes))
      throw new DatastoreError('DATASTORE_BAD_FILE', `${ctx.what}: file is not a PNG (bad signature)`);
    return bytes;
  },
};
