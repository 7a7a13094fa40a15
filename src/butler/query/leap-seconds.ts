/**
 * TAI - UTC, as ERFA's dat (and so astropy) has it: 0 before 1960, the drifting offsets of
 * 1960-1971, whole leap seconds from 1972 (IERS Bulletin C).
 */

const MJD_UNIX_EPOCH = 40587;
const DAY_MS = 86_400_000;

/** [MJD from which it applies, seconds] from 1972 on. */
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

/** [MJD from which it applies, base seconds, reference MJD, seconds per day] for 1960-1971. */
const DRIFT: [number, number, number, number][] = [
  [36934, 1.417818, 37300, 0.001296],
  [37300, 1.422818, 37300, 0.001296],
  [37512, 1.372818, 37300, 0.001296],
  [37665, 1.845858, 37665, 0.0011232],
  [38334, 1.945858, 37665, 0.0011232],
  [38395, 3.24013, 38761, 0.001296],
  [38486, 3.34013, 38761, 0.001296],
  [38639, 3.44013, 38761, 0.001296],
  [38761, 3.54013, 38761, 0.001296],
  [38820, 3.64013, 38761, 0.001296],
  [38942, 3.74013, 38761, 0.001296],
  [39004, 3.84013, 38761, 0.001296],
  [39126, 4.31317, 39126, 0.002592],
  [39887, 4.21317, 39126, 0.002592],
];

/** TAI-UTC in seconds at a UTC instant (Unix ms). */
export function taiMinusUtc(utcMs: number): number {
  const mjd = utcMs / DAY_MS + MJD_UNIX_EPOCH;
  if (mjd >= LEAP_SECONDS[0][0]) {
    let offset = LEAP_SECONDS[0][1];
    for (const [start, seconds] of LEAP_SECONDS) if (mjd >= start) offset = seconds;
    return offset;
  }
  let drift: (typeof DRIFT)[number] | undefined;
  for (const d of DRIFT) if (mjd >= d[0]) drift = d;
  if (!drift) return 0;
  // ERFA evaluates the drift at the start of the UTC day plus the fraction
  return drift[1] + (mjd - drift[2]) * drift[3];
}

/** The UTC instant (Unix ms) of a TAI-axis time (ms, same epoch convention). */
export function utcFromTai(taiMs: number): number {
  const guess = taiMs - taiMinusUtc(taiMs) * 1000;
  return taiMs - taiMinusUtc(guess) * 1000;
}
