import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates a directory that no other caller got: an exclusive mkdir (fails with EEXIST rather than
 * reusing), and on collision the same name plus `-` and a short random suffix. Any number of
 * processes submitting in the same millisecond thus get distinct run folders.
 * Returns the path created. Parents are created as needed.
 */
export function createUniqueDir(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  let candidate = path;
  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      mkdirSync(candidate, { mode: 0o700 }); // a run dir is its owner's (workflow, logs, config)
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    candidate = `${path}-${randomBytes(3).toString('hex')}`;
  }
  // 1000 collisions of 24 random bits means something else is wrong (e.g. a full directory)
  throw new Error(`createUniqueDir: could not create a unique directory next to ${path}`);
}
