/** Reading a user YAML file with a zod schema: errors name the file, line and key. */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { RegistryError } from '../errors.js';
import { checkYamlAliases } from '../util/yaml-aliases.js';

export function readYamlFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RegistryError('INPUT_READ', `Cannot read ${what} ${file}: ${(e as Error).message}.`, { file });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const pos = lc.linePos(err.pos[0]);
    throw new RegistryError('INPUT_YAML', `Not valid YAML: ${err.message.split('\n')[0]}`, {
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  checkYamlAliases(doc, file);
  // aliases are limited by checkYamlAliases, not by toJS's own count (a stack trace)
  const parsed = schema.safeParse(doc.toJS({ maxAliasCount: -1 }));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.');
    const node = doc.getIn(issue.path as (string | number)[], true) as
      { range?: [number, number] } | undefined;
    const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
    throw new RegistryError(
      'INPUT_INVALID',
      `${pos ? '' : `${file}: `}${what} key "${key || '(top)'}": ${issue.message}.`,
      { file, line: pos?.line, column: pos?.col, key },
    );
  }
  return parsed.data;
}
