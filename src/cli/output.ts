import type { QuantaError } from '../errors.js';

/** One paragraph on stderr, no stack: `quanta: error [CODE] file:line:col: message` */
export function printError(e: QuantaError): void {
  const where = e.where();
  process.stderr.write(`quanta: error [${e.code}]${where ? ` ${where}:` : ''} ${e.message}\n`);
}

/** `--json` output: exactly one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
