// `node --import ./test/helpers/module-trace.mjs ...` with QUANTA_MODULE_TRACE=FILE appends the URL
// of every module the process resolves through ESM (ours and the packages' entry points) to FILE,
// one a line. test/cli/module-graph.test.ts uses it to check what a command loads.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { appendFileSync } from 'node:fs';

// the same file is the hooks module: the main thread registers it, the hooks thread runs resolve()
if (isMainThread) register(import.meta.url);

const file = process.env.QUANTA_MODULE_TRACE;

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (file && !r.url.startsWith('node:')) appendFileSync(file, `${r.url}\n`);
  return r;
}
