/**
 * Split a command string into words as a POSIX shell would (whitespace, '…', "…", backslash),
 * without any expansion: bps keys like `runQuantumCommand` are strings, quanta runs argv arrays.
 */
import { ConfigError } from '../../errors.js';

/**
 * @example
 * ```ts
 * splitWords(`pipetask qgraph -d "visit = 1 and detector IN (1, 2)"`);
 * // ['pipetask', 'qgraph', '-d', 'visit = 1 and detector IN (1, 2)']
 * ```
 */
export function splitWords(text: string, key = 'command'): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) {
    throw new ConfigError('LSST_COMMAND_TEMPLATE', `${key}: unclosed ${quote} in ${JSON.stringify(text)}`, {
      key,
    });
  }
  if (inWord) words.push(word);
  return words;
}
