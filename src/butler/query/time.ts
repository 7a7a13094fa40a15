/**
 * Time literals `T'...'`, read the way daf_butler reads them (its _parseTimeString, which hands
 * the value to astropy.time.Time): `[format/]value[/scale]`.
 * - value: a number with a decimal point (`59000.5`, `.5`, `59000.`), an ISO date or date-time
 *   (`2021-12-13`, `2021-12-13 04:19`, `2021-12-13T04:19:00.5`), a FITS `+YYYYY-MM-DDThh:mm:ss`
 *   or a year-day `2021:347[:hh:mm[:ss]]`; a `+00:00` anywhere is dropped.
 * - format, when absent: mjd for a number, iso or isot (with a T), fits, yday. Explicit formats:
 *   mjd, jd, unix, unix_tai, cxcsec, gps, galexsec, decimalyear, byear, jyear (numbers) and
 *   iso, isot, fits, yday (strings).
 * - scale, when absent: utc for iso, isot, fits, yday and unix; tt for cxcsec; tai otherwise.
 *   Known: utc, tai, tt, tdb, tcg, tcb.
 * Result: the instant as Unix milliseconds (UTC), which is what the registry stores.
 */
import { taiMinusUtc, utcFromTai } from './leap-seconds.js';

export { taiMinusUtc } from './leap-seconds.js';

const MJD_UNIX_EPOCH = 40587; // MJD of 1970-01-01
const DAY_MS = 86_400_000;

const TIME_RE = new RegExp(
  String.raw`^(?:(\w+)/)?(?:(-?(?:\d+\.\d*|\.\d+))|(\d+-\d+-\d+(?:[ T]\d+:\d+(?::\d+(?:[.]\d*)?)?)?)|` +
    String.raw`([+]\d+-\d+-\d+(?:T\d+:\d+:\d+(?:[.]\d*)?)?)|(\d+:\d+(?::\d+:\d+(?::\d+(?:[.]\d*)?)?)?))(?:/(\w+))?$`,
  'i',
);

const NUMERIC_FORMATS = new Set([
  'mjd',
  'jd',
  'unix',
  'unix_tai',
  'cxcsec',
  'gps',
  'galexsec',
  'decimalyear',
  'byear',
  'jyear',
]);
const STRING_FORMATS = new Set(['iso', 'isot', 'fits', 'yday']);
/** astropy formats daf_butler accepts by name but quanta cannot read (see docs/query-language.md) */
const OTHER_FORMATS = new Set([
  'plot_date',
  'stardate',
  'datetime',
  'ymdhms',
  'datetime64',
  'byear_str',
  'jyear_str',
]);
const SCALES = new Set(['utc', 'tai', 'tt', 'tdb', 'tcg', 'tcb']);
const OTHER_SCALES = new Set(['ut1', 'local']);

export const TIME_FORMAT_HELP =
  "ISO 'YYYY-MM-DD', 'YYYY-MM-DD hh:mm[:ss[.fff]]', 'YYYY-MM-DDThh:mm[:ss]' (UTC), " +
  "MJD '59000.5' (TAI; the decimal point is needed), 'mjd/59000.5', 'jd/2459000.5', " +
  "'unix/1639369140.0', optionally ending in a scale such as '/utc', '/tai' or '/tt'";

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Milliseconds of a calendar date-time on a uniform axis with 1970-01-01 at 0, or undefined. */
function calendarMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h > 23 || mi > 59 || s >= 61) return undefined;
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(h, mi, 0, 0);
  return dt.getTime() + s * 1000;
}

const ISO_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([ T])(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?$/;
const FITS_RE = /^(\+\d{5}|\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?))?$/;
const YDAY_RE = /^(\d{4}):(\d{1,3})(?::(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?$/;

function stringTime(format: string, value: string): number | undefined {
  if (format === 'yday') {
    const m = YDAY_RE.exec(value);
    if (!m) return undefined;
    const day = Number(m[2]);
    if (day < 1 || day > 366) return undefined;
    const start = calendarMs(Number(m[1]), 1, 1, Number(m[3] ?? 0), Number(m[4] ?? 0), Number(m[5] ?? 0));
    return start === undefined ? undefined : start + (day - 1) * DAY_MS;
  }
  const m = (format === 'fits' ? FITS_RE : ISO_RE).exec(value);
  if (!m) return undefined;
  const sep = format === 'fits' ? (m[4] === undefined ? undefined : 'T') : m[4];
  if (format === 'iso' && sep === 'T') return undefined;
  if (format === 'isot' && sep === ' ') return undefined;
  const [h, mi, s] = format === 'fits' ? m.slice(4, 7) : m.slice(5, 8);
  return calendarMs(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
  );
}

/** Uniform-axis ms (in the literal's scale) of a numeric format; undefined: an epoch format. */
function numericAxis(format: string, x: number): number {
  const mjdMs = (mjd: number): number => (mjd - MJD_UNIX_EPOCH) * DAY_MS;
  switch (format) {
    case 'mjd':
      return mjdMs(x);
    case 'jd':
      return mjdMs(x - 2400000.5);
    case 'jyear':
      return mjdMs(51544.5 + (x - 2000) * 365.25);
    case 'byear':
      return mjdMs(15019.81352 + (x - 1900) * 365.242198781);
    default: {
      // decimalyear: the fraction of the (calendar) year in the literal's scale
      const year = Math.floor(x);
      const start = calendarMs(year, 1, 1, 0, 0, 0)!;
      const end = calendarMs(year + 1, 1, 1, 0, 0, 0)!;
      return start + (x - year) * (end - start);
    }
  }
}

/** TAI-axis ms of the epoch formats (seconds from a fixed instant; the scale does not matter). */
const EPOCH_TAI_MS: Record<string, number> = {
  unix_tai: 0,
  gps: Date.UTC(1980, 0, 6) + 19_000,
  galexsec: Date.UTC(1980, 0, 6) + 19_000,
  cxcsec: Date.UTC(1998, 0, 1) - 32_184,
};

const LG = 6.969290134e-10;
const LB = 1.550519768e-8;
const T0_MJD = 43144.0003725; // 1977-01-01T00:00:32.184 TT, where TCG, TCB and TT agree
const TDB0_MS = -6.55e-2;

/** TDB - TT in ms (the leading terms of the Fairhead & Bretagnon series, to ~30 µs). */
function tdbMinusTt(ms: number): number {
  const jd = ms / DAY_MS + MJD_UNIX_EPOCH + 2400000.5;
  const g = ((357.53 + 0.98560028 * (jd - 2451545.0)) * Math.PI) / 180;
  return 1.657 * Math.sin(g) + 0.014 * Math.sin(2 * g);
}

/** A uniform-axis time in `scale` -> the same instant on the TAI axis. */
function toTai(ms: number, scale: string): number {
  const sinceT0 = ms - (T0_MJD - MJD_UNIX_EPOCH) * DAY_MS;
  switch (scale) {
    case 'utc':
      return ms + taiMinusUtc(ms) * 1000;
    case 'tai':
      return ms;
    case 'tt':
      return ms - 32_184;
    case 'tdb':
      return ms - tdbMinusTt(ms) - 32_184;
    case 'tcg':
      return ms - LG * sinceT0 - 32_184;
    default: {
      // tcb
      const tdb = ms - LB * sinceT0 + TDB0_MS;
      return tdb - tdbMinusTt(tdb) - 32_184;
    }
  }
}

/**
 * Unix milliseconds (UTC) of a time literal's content, or a reason string when it is not one.
 */
export function parseTimeLiteral(raw: string): number | string {
  const text = raw.replaceAll('+00:00', '');
  const m = TIME_RE.exec(text);
  if (!m) return `time literal '${raw}' does not match a known format`;
  const [, fmt, num, iso, fits, yday, sc] = m;
  let format = fmt?.toLowerCase();
  const scale0 = sc?.toLowerCase();
  if (format !== undefined && OTHER_FORMATS.has(format))
    return `time format '${format}' of '${raw}' is not supported by quanta`;
  if (format !== undefined && !NUMERIC_FORMATS.has(format) && !STRING_FORMATS.has(format))
    return `time literal '${raw}' names an unknown time format '${format}'`;
  if (scale0 !== undefined && OTHER_SCALES.has(scale0))
    return `time scale '${scale0}' of '${raw}' is not supported by quanta (it needs Earth rotation data)`;
  if (scale0 !== undefined && !SCALES.has(scale0))
    return `unknown time scale '${scale0}' in time literal '${raw}' (known: ${[...SCALES].join(', ')})`;
  const value = num ?? iso ?? fits ?? yday;
  format ??=
    num !== undefined
      ? 'mjd'
      : iso !== undefined
        ? /t/i.test(iso)
          ? 'isot'
          : 'iso'
        : fits
          ? 'fits'
          : 'yday';
  const scale =
    scale0 ?? (STRING_FORMATS.has(format) || format === 'unix' ? 'utc' : format === 'cxcsec' ? 'tt' : 'tai');
  const bad = `time literal '${raw}' does not match format '${format}'`;
  let ms: number;
  if (NUMERIC_FORMATS.has(format)) {
    if (num === undefined) return bad;
    const x = Number(num);
    if (format === 'unix') ms = x * 1000;
    else if (format in EPOCH_TAI_MS) ms = utcFromTai(EPOCH_TAI_MS[format] + x * 1000);
    else ms = utcFromTai(toTai(numericAxis(format, x), scale));
  } else {
    if (num !== undefined) return bad;
    const axis = stringTime(format, value);
    if (axis === undefined) return bad;
    ms = scale === 'utc' ? axis : utcFromTai(toTai(axis, scale));
  }
  ms = Math.round(ms);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `time literal '${raw}' is out of range`;
  return ms;
}

/** The ISO-8601 UTC text the registry stores for an instant (`Date.toISOString`). */
export function isoText(ms: number): string {
  return new Date(ms).toISOString();
}
