/**
 * Imports task modules (TypeScript through tsx, or JavaScript) once per process and picks the
 * task export. Warm workers run many quanta of the same task, so the import is cached.
 */
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PipelineError } from '../errors.js';
import { isTaskDefinition, type TaskDefinition } from './define-task.js';

let loaderReady: Promise<void> | undefined;
const moduleCache = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Once per process: quanta's module hooks, which make a task module anywhere on disk an ES
 * module that can import 'quanta' (src/task/module-hooks.ts), then tsx for TypeScript. Hooks run
 * last registered first, so tsx asks quanta's hooks (before Node's own resolver) and keeps the
 * format they give. Inside a vitest worker vite transforms and resolves modules itself: nothing to
 * do there (not the VITEST env variable: child processes of tests inherit it). Under
 * `node --import tsx` (quanta run from src/) tsx is there already and only the hooks are added.
 */
function ensureLoader(): Promise<void> {
  loaderReady ??= (async () => {
    if ('__vitest_worker__' in globalThis) return;
    const fromSource = import.meta.url.endsWith('.ts');
    registerHooks(fromSource ? './module-hooks.ts' : './module-hooks.js', import.meta.url);
    if (!process.execArgv.some((a) => a.includes('tsx'))) {
      const { register } = await import('tsx/esm/api');
      register();
    }
  })();
  return loaderReady;
}

/** Import a module by absolute path or package specifier (cached per process). */
export function importModule(module: string): Promise<Record<string, unknown>> {
  let p = moduleCache.get(module);
  if (!p) {
    p = (async () => {
      if (isAbsolute(module) && !existsSync(module)) {
        throw new PipelineError('TASK_MODULE_NOT_FOUND', `task module ${module} does not exist`, {
          file: module,
        });
      }
      await ensureLoader();
      const url = isAbsolute(module) ? pathToFileURL(module).href : module;
      // A user's task module, by a path known only at run time: the one computed import in src/.
      // eslint-disable-next-line no-restricted-syntax
      return (await import(url)) as Record<string, unknown>;
    })();
    moduleCache.set(module, p);
    p.catch(() => moduleCache.delete(module));
  }
  return p;
}

/** The names of a module's exports that are tasks made by `defineTask`. */
export function taskExports(mod: Record<string, unknown>): string[] {
  return Object.keys(mod).filter((k) => isTaskDefinition(mod[k]));
}

/**
 * Load a task: `exportName` may be omitted when the module exports exactly one task.
 * Errors (module or export not found) are PipelineErrors naming the module and the exports.
 */
export async function loadTask(
  module: string,
  exportName?: string,
): Promise<{ task: TaskDefinition; exportName: string }> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(module);
  } catch (e) {
    if (e instanceof PipelineError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new PipelineError('TASK_MODULE_LOAD', `cannot import task module ${module}: ${msg}`, {
      file: module,
    });
  }
  const tasks = taskExports(mod);
  if (exportName === undefined) {
    if (tasks.length !== 1) {
      throw new PipelineError(
        'TASK_EXPORT_AMBIGUOUS',
        `task module ${module} exports ${tasks.length} tasks (${tasks.join(', ') || 'none'}); name one with ${module}#exportName`,
        { file: module },
      );
    }
    return { task: mod[tasks[0]] as TaskDefinition, exportName: tasks[0] };
  }
  const value = mod[exportName];
  if (!isTaskDefinition(value)) {
    const what =
      value === undefined ? 'has no export' : 'exports something that is not a defineTask() task as';
    throw new PipelineError(
      'TASK_EXPORT_NOT_FOUND',
      `task module ${module} ${what} "${exportName}" (its tasks: ${tasks.join(', ') || 'none'})`,
      { file: module },
    );
  }
  return { task: value, exportName };
}
