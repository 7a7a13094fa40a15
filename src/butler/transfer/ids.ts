/**
 * Dataset ids in exports: UUIDs (`!uuid`), or integers in exports from before daf_butler used
 * UUIDs, which daf_butler maps to name-based UUIDs (version 3) in a fixed namespace; quanta
 * makes the same ones, so a dataset keeps its id whichever side imports the file.
 */
import { createHash } from 'node:crypto';

const INT_ID_NAMESPACE = '4d4851f4-2890-4d41-8779-5f38a3f5062b';

function uuid3(namespace: string, name: string): string {
  const h = createHash('md5')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  h[6] = (h[6] & 0x0f) | 0x30;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A dataset id as quanta stores it: UUID text, lower case. */
export function datasetId(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v)) return uuid3(INT_ID_NAMESPACE, String(v));
  return String(v).toLowerCase();
}
