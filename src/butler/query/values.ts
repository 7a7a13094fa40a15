/**
 * The value types of the query language and the bind values that carry them. Binds take what
 * daf_butler's bind takes: strings, numbers, booleans, times (Date), lists of one of those (IN
 * lists), regions (src/butler/region.ts shapes) and timespans ({begin, end}, null for open).
 */
import type { SkyRegion } from '../region.js';

export type ValueType =
  'int' | 'float' | 'string' | 'datetime' | 'region' | 'bool' | 'timespan' | 'uuid' | 'null' | 'range';

export interface TimespanValue {
  begin: Date | null;
  end: Date | null;
}

export type BindValue = string | number | bigint | boolean | Date | SkyRegion | TimespanValue;
export type Bind = Record<string, BindValue | readonly BindValue[]>;

const validDate = (v: unknown): boolean => v instanceof Date && !Number.isNaN(v.getTime());

function isRegion(v: object): boolean {
  return 'vertices' in v || 'point' in v || 'center' in v || ('lon' in v && 'lat' in v);
}

/** The query type of a bind value (undefined: not usable). */
export function bindType(v: unknown): ValueType | undefined {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : Number.isFinite(v) ? 'float' : undefined;
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Date) return validDate(v) ? 'datetime' : undefined;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if (isRegion(v)) return 'region';
    if ('begin' in v && 'end' in v) {
      const { begin, end } = v as { begin: unknown; end: unknown };
      return (begin === null || validDate(begin)) && (end === null || validDate(end))
        ? 'timespan'
        : undefined;
    }
  }
  return undefined;
}
