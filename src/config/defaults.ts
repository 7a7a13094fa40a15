import { userInfo } from 'node:os';
import { getPath } from './tree.js';
import type { Tree } from './tree.js';

export const DEFAULT_REQUEST_MEMORY_MB = 2048;
export const DEFAULT_REQUEST_CPUS = 1;
export const DEFAULT_MEMORY_MULTIPLIER = 2;
export const DEFAULT_MAX_RESUBMISSIONS = 3;

/** `20211213T041900123Z`: UTC to the millisecond, so runs started in the same second differ. */
export function formatTimestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** The user name (bps: the login on the submit machine), and which variable gave it. */
export function defaultOperator(env: NodeJS.ProcessEnv): { name: string; env?: string } {
  for (const v of ['USER', 'LOGNAME']) {
    const x = env[v];
    if (x) return { name: x, env: v };
  }
  try {
    return { name: userInfo().username };
  } catch {
    return { name: 'unknown' };
  }
}

/**
 * The top-level defaults, applied where no file sets the key. `output` and `outCollection` are
 * bps names kept so that bps templates (`{outCollection}`) resolve; they are hidden from output
 * unless a file sets them.
 */
export function defaultTree(
  user: Tree,
  env: NodeJS.ProcessEnv,
  now: Date,
): { tree: Tree; hidden: string[]; operatorEnv?: string } {
  const op = defaultOperator(env);
  const setsOutCollection =
    getPath(user, ['outCollection']) !== undefined ||
    getPath(user, ['payload', 'outCollection']) !== undefined;
  // bps allows the run name in payload too; the top-level value then follows it
  const setsPayloadRun = getPath(user, ['payload', 'outputRun']) !== undefined;
  const retries = getPath(user, ['parsl_config', 'retries']);
  const tree: Tree = {
    operator: op.name,
    timestamp: formatTimestamp(now),
    // old bps configs name the run `outCollection`; follow it when that is all they set
    outputRun: setsPayloadRun
      ? '{payload.outputRun}'
      : setsOutCollection
        ? '{outCollection}'
        : 'u/{operator}/{payloadName}/{timestamp}',
    submitPath: 'submit/{outputRun}',
    requestMemory: DEFAULT_REQUEST_MEMORY_MB,
    requestCpus: DEFAULT_REQUEST_CPUS,
    // gen3_workflow users give retries in parsl_config only; bps users give numberOfRetries
    numberOfRetries: retries !== undefined ? '{parsl_config.retries}' : 0,
    memoryMultiplier: DEFAULT_MEMORY_MULTIPLIER,
  };
  const hidden: string[] = [];
  if (!setsOutCollection) {
    tree.outCollection = '{outputRun}';
    hidden.push('outCollection');
  }
  if (getPath(user, ['output']) === undefined && getPath(user, ['payload', 'output']) === undefined) {
    tree.output = 'u/{operator}/{payloadName}';
    hidden.push('output');
  }
  return { tree, hidden, operatorEnv: op.env };
}
