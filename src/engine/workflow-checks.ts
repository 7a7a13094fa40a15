/**
 * Checks of a workflow file beyond its schema, each naming the job and the key: unknown keys
 * (with the key they resemble: a misspelt `needs` must not run a job without its needs) and NUL
 * bytes in anything that reaches a process or a path (no spawn or open accepts them).
 */
import { EngineError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';

/** Shows a string with its NUL bytes visible, for messages. */
const shown = (s: string): string => JSON.stringify(s).replace(/\\u0000/g, '\\0');

function jobName(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'jobs' || typeof path[1] !== 'number' || !raw || typeof raw !== 'object') return undefined;
  const jobs = (raw as { jobs?: unknown }).jobs;
  const job: unknown = Array.isArray(jobs) ? jobs[path[1]] : undefined;
  const id = job && typeof job === 'object' ? (job as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** The error for keys the schema does not know at `path`; `known` are the keys it knows there. */
export function unknownKeyError(
  raw: unknown,
  path: readonly PropertyKey[],
  keys: readonly string[],
  known: readonly string[],
  file: string,
): EngineError {
  const where = path.map(String).join('.');
  const key = where ? `${where}.${keys[0]}` : keys[0];
  const id = jobName(raw, path);
  const hint = didYouMean(keys[0], known);
  const others = keys.length > 1 ? ` (also unknown: ${keys.slice(1).join(', ')})` : '';
  return new EngineError(
    'WORKFLOW_UNKNOWN_KEY',
    `workflow ${file}: ${id !== undefined ? `job ${id}: ` : ''}unknown key '${keys[0]}' (${key})${others}; ` +
      `${hint ? `did you mean '${hint}'? ` : ''}the keys here are: ${known.join(', ')}`,
    { file, key },
  );
}

interface NulCheckedJob {
  id: string;
  label: string;
  argv?: string[];
  env?: Record<string, string>;
  cwd?: string;
  task?: { module: string; exportName: string; quantumFile: string };
  outputs?: { path: string }[];
}

/** Refuses a NUL byte in a job's id, label, argv, env (names and values), cwd, task or output paths. */
export function checkNulBytes(wf: { jobs: readonly NulCheckedJob[] }, file: string): void {
  wf.jobs.forEach((j, i) => {
    const fail = (key: string, what: string): never => {
      throw new EngineError(
        'WORKFLOW_NUL_BYTE',
        `workflow ${file}: job ${j.id.includes('\0') ? shown(j.id) : j.id}: ${what} holds a NUL byte (${key}), which no command ` +
          `line, environment or path can carry; remove it`,
        { file, key },
      );
    };
    const has = (s: string): boolean => s.includes('\0');
    if (has(j.id)) fail(`jobs.${i}.id`, 'its id');
    if (has(j.label)) fail(`jobs.${i}.label`, 'its label');
    j.argv?.forEach((a, k) => {
      if (has(a)) fail(`jobs.${i}.argv.${k}`, `argument ${k} ${shown(a)}`);
    });
    for (const [name, value] of Object.entries(j.env ?? {})) {
      if (has(name)) fail(`jobs.${i}.env`, `the environment variable name ${shown(name)}`);
      if (has(value)) fail(`jobs.${i}.env.${name}`, `the value of environment variable ${name}`);
    }
    if (j.cwd !== undefined && has(j.cwd)) fail(`jobs.${i}.cwd`, `its cwd ${shown(j.cwd)}`);
    if (j.task) {
      for (const k of ['module', 'exportName', 'quantumFile'] as const)
        if (has(j.task[k])) fail(`jobs.${i}.task.${k}`, `its task ${k}`);
    }
    j.outputs?.forEach((o, k) => {
      if (has(o.path)) fail(`jobs.${i}.outputs.${k}.path`, `the path of output ${k}`);
    });
  });
}
