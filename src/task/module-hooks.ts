/**
 * Node module hooks (`module.register`) that let a task module live anywhere on disk:
 *
 * - **ES modules by default.** A `.ts` file with no `"type": "module"` above it (a folder copied
 *   out of the checkout, a home directory) is CommonJS to Node and tsx. The ESM-only tsx loader
 *   quanta registers then hands it to Node's CommonJS loader, which finds `import` syntax and
 *   fails with `Cannot require() ES Module ... in a cycle`. A `.ts` or `.tsx` file that would load
 *   as CommonJS is loaded as an ES module instead (`.cts` stays CommonJS): such a file could not
 *   load at all otherwise, and task modules are ES modules (docs/tasks.md).
 * - **`quanta` from the running installation.** A bare import (`'quanta'`, `'yaml'`) that the
 *   task's own folder cannot resolve is resolved from the quanta package that runs it, so the
 *   folder sees what a project that ran `npm install quanta` sees: quanta and the packages it
 *   installs. The folder's own node_modules wins when it has the package.
 *
 * Runs in Node's loader thread: it imports nothing but node: builtins. Registered by
 * src/task/load-task.ts before tsx, so tsx's resolver asks this one (instead of Node's) and keeps
 * the format it answers; tsx then compiles the file as an ES module.
 */
import { fileURLToPath } from 'node:url';

/** The parts of Node's resolve-hook types used here (node:module declares no hook types in @types/node 20). */
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
  importAttributes?: Record<string, string>;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;

/** quanta's package.json: this file is src/task/ or dist/task/ of the package. */
const quantaPackage = new URL('../../package.json', import.meta.url).href;

const isBare = (s: string): boolean =>
  !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(s);

const inNodeModules = (url: string | undefined): boolean =>
  url !== undefined && url.startsWith('file:') && fileURLToPath(url).split(/[\\/]/).includes('node_modules');

function notFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<ResolveResult> {
  let result: ResolveResult;
  try {
    result = await nextResolve(specifier, context);
  } catch (e) {
    // Only user code falls back: a package in node_modules missing a dependency stays an error.
    if (!isBare(specifier) || !notFound(e) || inNodeModules(context.parentURL)) throw e;
    try {
      result = await nextResolve(specifier, { ...context, parentURL: quantaPackage });
    } catch {
      throw e; // the error that names the task's own folder
    }
  }
  // Node gives no format, or 'commonjs' outside a "type": "module" scope, for .ts files.
  if (
    result.format !== 'module' &&
    result.url.startsWith('file:') &&
    /\.tsx?$/.test(new URL(result.url).pathname)
  ) {
    return { ...result, format: 'module' };
  }
  return result;
}
