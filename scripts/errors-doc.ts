/**
 * docs/errors.md from the error-code catalogue (src/error-codes.ts): `npm run docs:errors`
 * writes it; test/errors-doc.test.ts fails when the file is not what this renders.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, EXIT_CODES, KIND_MEANING, type ErrorKind } from '../src/error-codes.js';

export const ERRORS_DOC = fileURLToPath(new URL('../docs/errors.md', import.meta.url));

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/`/g, "'");

export function renderErrorsDoc(): string {
  const kinds = Object.keys(EXIT_CODES) as ErrorKind[];
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/error-codes.ts by `npm run docs:errors`; test/errors-doc.test.ts checks it. -->',
    '',
    'Every error you can cause is printed as one paragraph on stderr, with no stack trace:',
    '`quanta: error [CODE] file:line:column: message`. The exit code tells the kind of mistake',
    '(exit code 1 is a run whose jobs failed, and 0 is success). `--json` commands print nothing',
    'on stdout when they fail.',
    '',
    '| exit code | kind | meaning |',
    '| --- | --- | --- |',
    ...kinds.map((k) => `| ${EXIT_CODES[k]} | ${k} | ${KIND_MEANING[k]} |`),
    '',
    'The codes, with the message each prints ("…" stands for the values filled in):',
    '',
    '| code | exit | message |',
    '| --- | --- | --- |',
    ...Object.entries(ERROR_CODES)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([code, spec]) => `| \`${code}\` | ${EXIT_CODES[spec.kind]} | ${cell(spec.summary)} |`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ERRORS_DOC, renderErrorsDoc());
  process.stdout.write(`wrote ${ERRORS_DOC} (${Object.keys(ERROR_CODES).length} codes)\n`);
}
