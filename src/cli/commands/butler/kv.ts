/**
 * `--bind NAME=VALUE` and `-d/--data-id KEY=VALUE` for the query commands.
 *
 * Data-ID values take the type of the dimension's primary key, as daf_butler's
 * `parse_data_id_tuple` does (`detector=3` is the integer 3, `band=3` the string "3"). The real
 * `butler` has no `--bind`; here a value is an integer, else a float, else a string, a quoted
 * value ('0012' or "0012") is always a string, and commas make a list (for `visit IN (:visits)`).
 */
import type { DimensionUniverse } from '../../../butler/universe.js';
import { UsageError } from '../../../errors.js';

export type BindScalar = string | number | bigint;
export type BindMap = Record<string, BindScalar | BindScalar[]>;
export type DataIdMap = Record<string, string | number>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function split(option: string, item: string): [string, string] {
  const eq = item.indexOf('=');
  const key = eq < 0 ? '' : item.slice(0, eq).trim();
  if (eq < 0 || !NAME.test(key))
    throw new UsageError(
      'BAD_KEY_VALUE',
      `${option} "${item}" is not NAME=VALUE (NAME: letters, digits and _, not starting with a digit).`,
      { key: option },
    );
  return [key, item.slice(eq + 1).trim()];
}

function scalar(text: string): BindScalar {
  const quoted = /^'(.*)'$|^"(.*)"$/s.exec(text);
  if (quoted) return quoted[1] ?? quoted[2];
  if (/^[-+]?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

/** `['visit=12', 'band=r', 'visits=1,2,3']` -> `{visit: 12, band: 'r', visits: [1, 2, 3]}` */
export function parseBind(items: readonly string[] = []): BindMap {
  const out: BindMap = {};
  for (const item of items) {
    const [key, value] = split('--bind', item);
    if (key in out) throw new UsageError('BAD_KEY_VALUE', `--bind ${key} is given twice.`, { key: '--bind' });
    out[key] =
      value.includes(',') && !/^'.*'$|^".*"$/s.test(value)
        ? value.split(',').map((v) => scalar(v.trim()))
        : scalar(value);
  }
  return out;
}

/** `['instrument=ToyCam,detector=3']` -> `{instrument: 'ToyCam', detector: 3}`, keys checked. */
export function parseDataId(universe: DimensionUniverse, items: readonly string[] = []): DataIdMap {
  const out: DataIdMap = {};
  for (const item of items.flatMap((i) => i.split(',')).filter((i) => i.trim())) {
    const [key, value] = split('--data-id', item);
    if (!universe.isDimension(key))
      throw new UsageError(
        'BAD_DATA_ID',
        `--data-id ${item}: "${key}" is not a dimension; the dimensions are ${universe.dimensionNames.join(', ')}.`,
        { key },
      );
    if (universe.primaryKey(key).type === 'int') {
      const n = Number(value);
      if (!/^[-+]?\d+$/.test(value) || !Number.isSafeInteger(n))
        throw new UsageError('BAD_DATA_ID', `--data-id ${item}: ${key} must be an integer.`, { key });
      out[key] = n;
    } else out[key] = value;
  }
  return out;
}

/**
 * A where clause and bind map that also constrain the data ID: `-d detector=3 --where "visit > 1"`
 * -> `(visit > 1) AND detector = :quanta_data_id_detector`.
 */
export function whereWithDataId(
  where: string | undefined,
  bind: BindMap,
  dataId: DataIdMap,
): { where: string | undefined; bind: BindMap } {
  const terms = Object.keys(dataId).map((k) => `${k} = :quanta_data_id_${k}`);
  if (terms.length === 0) return { where, bind };
  const all = { ...bind };
  for (const [k, v] of Object.entries(dataId)) all[`quanta_data_id_${k}`] = v;
  const clause = [...(where?.trim() ? [`(${where})`] : []), ...terms].join(' AND ');
  return { where: clause, bind: all };
}
