/** Where a helper process's entry module is, next to the module that starts it. */
import { fileURLToPath } from 'node:url';

/**
 * `name` (without extension) beside `moduleUrl`: from src/ (tests, tsx) the entry is TypeScript and
 * needs the tsx loader; from dist/ it is plain JavaScript.
 */
export function siblingEntry(moduleUrl: string, name: string): { file: string; execArgv: string[] } {
  if (moduleUrl.endsWith('.ts')) {
    return { file: fileURLToPath(new URL(`./${name}.ts`, moduleUrl)), execArgv: ['--import', 'tsx'] };
  }
  return { file: fileURLToPath(new URL(`./${name}.js`, moduleUrl)), execArgv: [] };
}
