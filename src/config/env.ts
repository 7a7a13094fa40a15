import { didYouMean } from '../util/levenshtein.js';

/** `${NAME}`: a shell-style variable taken from the environment (bare `$NAME` stays literal). */
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface EnvExpansion {
  value: string;
  /** variables that were substituted */
  used: string[];
  /** the first variable that is not set, with its offset in the input */
  missing?: { name: string; index: number; hint?: string };
}

/** Expands every `${NAME}` that is set; reports the first one that is not (and a near-miss hint). */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): EnvExpansion {
  const used: string[] = [];
  let missing: EnvExpansion['missing'];
  const value = text.replace(ENV_REF, (whole, name: string, index: number) => {
    const v = env[name];
    if (v !== undefined) {
      used.push(name);
      return v;
    }
    if (!missing) {
      const defined = Object.keys(env).filter((k) => env[k] !== undefined);
      missing = { name, index, hint: didYouMean(name, defined) };
    }
    return whole;
  });
  return missing ? { value, used, missing } : { value, used };
}
