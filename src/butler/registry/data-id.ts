/**
 * A data ID given to a query as a constraint (daf_butler's `dataId=` and keyword arguments such
 * as `instrument='Cam1'`): every key a dimension, every value of that dimension's key type
 * (daf_butler refuses `detector='2'` too). The constraint is `dimension = value` ANDed with the
 * where clause; the dimensions join the query.
 */
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import type { DataId } from './datasets.js';
import { suggest } from './messages.js';

export function checkDataIdConstraint(universe: DimensionUniverse, dataId: DataId | undefined): DataId {
  const out: DataId = {};
  for (const [k, v] of Object.entries(dataId ?? {})) {
    if (!universe.isDimension(k)) {
      const names = universe.dimensionNames;
      throw new RegistryError(
        'REGISTRY_UNKNOWN_DIMENSION',
        `Data ID ${JSON.stringify(dataId)} has the key "${k}", which is not a dimension${suggest(k, names)}; the dimensions are ${names.join(', ')}.`,
        { key: k },
      );
    }
    const type = universe.primaryKey(k).type;
    const ok = type === 'int' ? typeof v === 'number' && Number.isInteger(v) : typeof v === 'string';
    if (!ok)
      throw new RegistryError(
        'REGISTRY_BAD_DATA_ID',
        `Data ID ${JSON.stringify(dataId)}: "${k}" must be ${type === 'int' ? 'an integer' : 'a string'}, not ${JSON.stringify(v)} (daf_butler refuses it too: the column types do not agree).`,
        { key: k },
      );
    out[k] = v;
  }
  return out;
}
