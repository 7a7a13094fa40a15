/** Memory in MB: a number (bps: MB) or a string with a unit ("4GB", "4096 MiB", "90000"). */
export function parseMemoryMB(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = v.trim().match(/^(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'mb').toLowerCase()[0];
  const factor = unit === 'k' ? 1 / 1024 : unit === 'g' ? 1024 : unit === 't' ? 1024 * 1024 : 1;
  return Math.round(n * factor);
}

/**
 * A Slurm time limit in seconds. Numbers are minutes (as `sbatch --time`); strings are
 * "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS".
 */
export function parseSlurmTime(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? Math.round(v * 60) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  let m = s.match(/^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$/);
  if (m) return ((Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0);
  m = s.match(/^(\d+)(?::(\d+))?(?::(\d+))?$/);
  if (!m) return undefined;
  if (m[3] !== undefined) return (Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3]);
  if (m[2] !== undefined) return Number(m[1]) * 60 + Number(m[2]);
  return Number(m[1]) * 60;
}

/** bps `requestWalltime`: seconds as a number, or "HH:MM:SS". */
export function parseSeconds(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = s.match(/^(\d+):(\d{1,2}):(\d{1,2})$/);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3]) : undefined;
}

/** Numeric strings (from `{name}` substitution) become numbers; anything else is left for zod to reject. */
export function numberLike(v: unknown): unknown {
  return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

export function booleanLike(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  return s === 'true' || s === 'yes' ? true : s === 'false' || s === 'no' ? false : v;
}
