/**
 * Time literals `T'...'`, read the way the Butler reads them: an optional `format/` prefix, the
 * value, an optional `/scale` suffix. The format is guessed when absent: a number is MJD, an
 * ISO-8601 date or date-time is iso/isot. MJD defaults to the TAI scale and ISO/unix to UTC, as in
 * the Butler. Result: the instant as Unix milliseconds (UTC), which is what the registry stores.
 */

const MJD_UNIX_EPOCH = 40587; // MJD of 1970-01-01
const DAY_MS = 86_400_000;

/** MJD (UTC midnight) from which TAI-UTC takes the given number of seconds (IERS Bulletin C). */
const LEAP_SECONDS: [number, number][] = [
  [41317, 10],
  [41499, 11],
  [41683, 12],
  [42048, 13],
  [42413, 14],
  [42778, 15],
  [43144, 16],
  [43509, 17],
  [43874, 18],
  [44239, 19],
  [44786, 20],
  [45151, 21],
  [45516, 22],
  [46247, 23],
  [47161, 24],
  [47892, 25],
  [48257, 26],
  [48804, 27],
  [49169, 28],
  [49534, 29],
  [50083, 30],
  [50630, 31],
  [51179, 32],
  [53736, 33],
  [54832, 34],
  [56109, 35],
  [57204, 36],
  [57754, 37],
];

/** TAI-UTC in seconds at a UTC instant (10 s before 1972: the table's first value). */
function taiMinusUtc(utcMs: number): number {
  const mjd = utcMs / DAY_MS + MJD_UNIX_EPOCH;
  let offset = LEAP_SECONDS[0][1];
  for (const [start, seconds] of LEAP_SECONDS) if (mjd >= start) offset = seconds;
  return offset;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(?:Z|\+00:00)?$/i;
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
const FORMATS = ['iso', 'isot', 'mjd', 'unix'] as const;
const SCALES = ['utc', 'tai'] as const;

export const TIME_FORMAT_HELP =
  "ISO 'YYYY-MM-DD', 'YYYY-MM-DDTHH:MM[:SS[.fff]]' (UTC), MJD '59000.5' (TAI), " +
  "'mjd/59000.5', 'unix/1639369140', optionally ending in '/utc' or '/tai'";

function isoToMs(value: string): number | undefined {
  const m = ISO_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m.slice(1);
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, frac ? Math.round(Number(`0${frac}`) * 1000) : 0);
  const check = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  // Date.UTC silently rolls 2021-02-30 over into March: reject what does not round-trip
  const valid =
    check.getUTCFullYear() === +y &&
    check.getUTCMonth() === +mo - 1 &&
    check.getUTCDate() === +d &&
    check.getUTCHours() === +h &&
    check.getUTCMinutes() === +mi &&
    check.getUTCSeconds() === +s;
  return valid ? ms : undefined;
}

/**
 * Unix milliseconds (UTC) of a time literal's content, or a reason string when it is not one.
 */
export function parseTimeLiteral(text: string): number | string {
  const pieces = text.trim().split('/');
  let format: string | undefined;
  let scale: string | undefined;
  if (pieces.length > 3) return `too many '/' in time literal '${text}'`;
  if (pieces.length >= 2 && (FORMATS as readonly string[]).includes(pieces[0].toLowerCase())) {
    format = pieces.shift()!.toLowerCase();
  }
  // `59000.5/mjd` (format last) is accepted too, for convenience
  if (
    format === undefined &&
    pieces.length >= 2 &&
    (FORMATS as readonly string[]).includes(pieces.at(-1)!.toLowerCase())
  ) {
    format = pieces.pop()!.toLowerCase();
  }
  if (pieces.length === 2) scale = pieces.pop()!.toLowerCase();
  if (pieces.length !== 1) return `time literal '${text}' does not match a known format`;
  if (scale !== undefined && !(SCALES as readonly string[]).includes(scale)) {
    return `unknown time scale '${scale}' in time literal '${text}' (known: ${SCALES.join(', ')})`;
  }
  const value = pieces[0];
  const isNumber = NUMBER_RE.test(value);
  format ??= isNumber ? 'mjd' : 'iso';
  let ms: number | undefined;
  if (format === 'mjd' || format === 'unix') {
    if (!isNumber) return `time literal '${text}' is not a number, as format '${format}' needs`;
    ms = format === 'mjd' ? (Number(value) - MJD_UNIX_EPOCH) * DAY_MS : Number(value) * 1000;
  } else {
    ms = isoToMs(value);
    if (ms === undefined) return `time literal '${text}' does not match a known format`;
  }
  scale ??= format === 'mjd' ? 'tai' : 'utc';
  if (scale === 'tai') ms -= taiMinusUtc(ms - 37_000) * 1000;
  ms = Math.round(ms);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `time literal '${text}' is out of range`;
  return ms;
}

/** The ISO-8601 UTC text the registry stores for an instant (`Date.toISOString`). */
export function isoText(ms: number): string {
  return new Date(ms).toISOString();
}
