import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from './defaults.js';
import { expandEnv } from './env.js';
import { parseWorkerOptions } from './site.js';
import { parseMemoryMB, parseSeconds, parseSlurmTime } from './units.js';

describe('value parsers', () => {
  it('parses memory sizes in MB', () => {
    expect(parseMemoryMB(2048)).toBe(2048);
    expect(parseMemoryMB('90000')).toBe(90000);
    expect(parseMemoryMB('4GB')).toBe(4096);
    expect(parseMemoryMB('1.5 GiB')).toBe(1536);
    expect(parseMemoryMB('lots')).toBeUndefined();
  });

  it('parses Slurm time limits', () => {
    expect(parseSlurmTime('15:00:00')).toBe(54000);
    expect(parseSlurmTime('1-00:00:00')).toBe(86400);
    expect(parseSlurmTime('2-12')).toBe(216000);
    expect(parseSlurmTime('30')).toBe(1800);
    expect(parseSlurmTime('30:15')).toBe(1815);
    expect(parseSlurmTime(90)).toBe(5400);
    expect(parseSlurmTime('15 hours')).toBeUndefined();
  });

  it('round-trips any HH:MM:SS through parseSlurmTime', () => {
    fc.assert(
      fc.property(fc.nat(500), fc.nat(59), fc.nat(59), (h, m, s) => {
        const text = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
        return parseSlurmTime(text) === h * 3600 + m * 60 + s && parseSeconds(text) === h * 3600 + m * 60 + s;
      }),
    );
  });

  it('parses worker_options', () => {
    expect(parseWorkerOptions('--memory=90000')).toEqual({ memoryMB: 90000, unknown: [] });
    expect(parseWorkerOptions('--cores 16 --memory=8000 --debug')).toEqual({
      memoryMB: 8000,
      cores: 16,
      unknown: ['--debug'],
    });
    expect(parseWorkerOptions('--memory=lots').unknown).toEqual(['--memory=lots']);
    expect(parseWorkerOptions('')).toEqual({ unknown: [] });
  });

  it('formats the timestamp in UTC to the millisecond', () => {
    expect(formatTimestamp(new Date('2021-12-13T04:19:00.123Z'))).toBe('20211213T041900123Z');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        (d) => /^\d{8}T\d{9}Z$/.test(formatTimestamp(d)),
      ),
    );
  });

  it('expands ${NAME} but leaves $NAME and text without variables alone', () => {
    expect(expandEnv('${A}/x/$B/${A}', { A: 'a', B: 'b' })).toEqual({ value: 'a/x/$B/a', used: ['A', 'A'] });
    const r = expandEnv('${OBS_LSST_DRI}/p', { OBS_LSST_DIR: '/o' });
    expect(r.missing).toEqual({ name: 'OBS_LSST_DRI', index: 0, hint: 'OBS_LSST_DIR' });
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('${')),
        (s) => expandEnv(s, {}).value === s,
      ),
    );
  });
});
