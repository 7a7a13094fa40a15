/**
 * Times in daf_butler exports <-> the registry's instants (Unix milliseconds, stored as ISO-8601
 * UTC text). daf_butler writes `!butler_time/tai/iso 'YYYY-MM-DD HH:MM:SS.fffffffff'` (TAI, nine
 * decimals); older files wrote native YAML timestamps (UTC). Reading also accepts the scales
 * utc, tai and tt and the formats iso, isot, mjd, jd, unix and nsec (daf_butler's TAI
 * nanoseconds since 1970-01-01 00:00:00 TAI), so a hand-written file can use any of them.
 * TAI-UTC comes from the leap-second table of the query language (query/time.ts).
 */
import { taiMinusUtc } from '../query/time.js';

const DAY_MS = 86_400_000;
const MJD_UNIX_EPOCH = 40587;
const TT_MINUS_TAI_MS = 32_184;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]00:?00)?$/;

export const TIME_SCALES = ['tai', 'utc', 'tt'] as const;
export const TIME_FORMATS = ['iso', 'isot', 'mjd', 'jd', 'unix', 'nsec'] as const;

/** Milliseconds since 1970-01-01 00:00:00 of the calendar in which `text` is written. */
function calendarMs(format: string, text: string): number | undefined {
  const t = text.trim();
  if (format === 'iso' || format === 'isot') {
    const m = ISO.exec(t);
    if (!m) return undefined;
    const [y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m.slice(1);
    const whole = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
    const back = new Date(whole);
    if (back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d || back.getUTCHours() !== +h)
      return undefined;
    return whole + (frac ? Number(`0${frac}`) * 1000 : 0);
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  if (format === 'mjd') return (n - MJD_UNIX_EPOCH) * DAY_MS;
  if (format === 'jd') return (n - 2400000.5 - MJD_UNIX_EPOCH) * DAY_MS;
  if (format === 'unix') return n * 1000;
  if (format === 'nsec') return Number(BigInt(t.split('.')[0]) / 1000n) / 1000;
  return undefined;
}

/** TAI calendar milliseconds -> UTC (Unix) milliseconds. */
export function taiToUtcMs(tai: number): number {
  // the offset at the UTC instant: a first guess from the TAI value, then one refinement
  const guess = tai - taiMinusUtc(tai) * 1000;
  return tai - taiMinusUtc(guess) * 1000;
}

/** UTC (Unix) milliseconds -> TAI calendar milliseconds. */
export function utcToTaiMs(utc: number): number {
  return utc + taiMinusUtc(utc) * 1000;
}

/**
 * The instant of an export time value as Unix milliseconds (rounded to the millisecond the
 * registry keeps), or a reason string when the value is not a time of that scale and format.
 */
export function exportTimeToMs(scale: string, format: string, text: string): number | string {
  if (!(TIME_SCALES as readonly string[]).includes(scale))
    return `unknown time scale "${scale}" (known: ${TIME_SCALES.join(', ')})`;
  if (!(TIME_FORMATS as readonly string[]).includes(format))
    return `unknown time format "${format}" (known: ${TIME_FORMATS.join(', ')})`;
  if (format === 'nsec' && scale !== 'tai')
    return 'nsec times are TAI nanoseconds: use !butler_time/tai/nsec';
  const ms = calendarMs(format, text);
  if (ms === undefined || !Number.isFinite(ms)) return `"${text}" is not a time in format ${format}`;
  const utc = scale === 'utc' ? ms : taiToUtcMs(scale === 'tt' ? ms - TT_MINUS_TAI_MS : ms);
  return Math.round(utc);
}

/** An instant as daf_butler writes it: TAI, `YYYY-MM-DD HH:MM:SS.fffffffff`. */
export function msToTaiIso(utcMs: number): string {
  const tai = new Date(utcToTaiMs(utcMs)).toISOString(); // 2013-06-17T13:36:12.123Z
  return `${tai.slice(0, 10)} ${tai.slice(11, 23)}000000`;
}

/** daf_butler's internal form of an instant: TAI nanoseconds since 1970-01-01 00:00:00 TAI. */
export function msToTaiNsec(utcMs: number): bigint {
  return BigInt(Math.round(utcToTaiMs(utcMs))) * 1_000_000n;
}
