/**
 * `$VAR` and `${VAR}` in import locations, as pipe_base expands them (Python's
 * os.path.expandvars: `\w+` names, ASCII), except that an unset variable is an error here
 * rather than a path that does not exist.
 */

export type ExpandResult = { ok: true; value: string } | { ok: false; name: string; token: string };

const VAR = /\$([A-Za-z0-9_]+|\{[^}]*\})/g;

export function expandVars(text: string, env: NodeJS.ProcessEnv = process.env): ExpandResult {
  let missing: { name: string; token: string } | undefined;
  const value = text.replace(VAR, (token: string, group: string) => {
    const name = group.startsWith('{') ? group.slice(1, -1) : group;
    const v = env[name];
    if (v === undefined) {
      missing ??= { name, token };
      return token;
    }
    return v;
  });
  return missing ? { ok: false, ...missing } : { ok: true, value };
}
