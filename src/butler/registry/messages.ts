import { didYouMean } from '../../util/levenshtein.js';

/** ` (did you mean "x"?)` when a close candidate exists, else ''. */
export function suggest(word: string, candidates: Iterable<string>): string {
  const best = didYouMean(word, candidates);
  return best ? ` (did you mean "${best}"?)` : '';
}
