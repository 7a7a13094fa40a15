/**
 * The intentional differences from daf_butler's query results, read from docs/query-language.md
 * (section "Intentional differences: query results"): a table whose first column is a corpus
 * case's label in backticks (corpus.ts `label`) and whose second is the reason. A case listed
 * there may disagree with the real Butler; any other disagreement fails the differential tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { label, type QueryCase } from './corpus.js';

const DOC = fileURLToPath(new URL('../../../docs/query-language.md', import.meta.url));
const HEADING = '## Intentional differences: query results';

export function listedDifferences(text = readFileSync(DOC, 'utf8')): Map<string, string> {
  const out = new Map<string, string>();
  const at = text.indexOf(HEADING);
  if (at < 0) return out;
  const section = text.slice(at + HEADING.length).split(/\n## /)[0];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`(.+?)`\s*\|\s*(.+?)\s*\|\s*$/.exec(line);
    if (m && m[2].trim()) out.set(m[1], m[2]);
  }
  return out;
}

const listed = listedDifferences();

export function intentionalDifference(c: QueryCase): string | undefined {
  return listed.get(label(c));
}
