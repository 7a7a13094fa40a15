/**
 * The runner's datastore (shared contract item 4): one FileDatastore per root and process.
 * Templates do not matter here: quantum files carry the exact paths.
 */
import { FileDatastore } from '../butler/datastore/index.js';

const cache = new Map<string, FileDatastore>();

export function openDatastore(root: string): FileDatastore {
  let d = cache.get(root);
  if (!d) cache.set(root, (d = new FileDatastore(root)));
  return d;
}
