/** Log file names of job attempts: readable for ordinary ids, and never shared by two jobs. */
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobLogPath, logName } from '../../src/engine/log-path.js';

describe('job log paths', () => {
  it('keeps ordinary ids as they are', () => {
    expect(jobLogPath('/s', 'isr', 'isr.2340.12~2', 1)).toBe(
      join('/s', 'logs', 'isr', 'isr.2340.12~2.1.log'),
    );
    expect(logName('calibrate_v2+x-y')).toBe('calibrate_v2+x-y');
  });

  it('gives a/b, a_b and a%2Fb different files, and each attempt its own', () => {
    const paths = ['a/b', 'a_b', 'a%2Fb', 'a b'].map((id) => jobLogPath('/s', 'l', id, 1));
    expect(new Set(paths).size).toBe(4);
    expect(jobLogPath('/s', 'l', 'a', 1)).not.toBe(jobLogPath('/s', 'l', 'a', 2));
  });

  it('never leaves the logs folder, whatever the label or id', () => {
    for (const label of ['..', '.', '../..', '/etc', '']) {
      const p = jobLogPath('/s', label, '..', 1);
      expect(p.startsWith(join('/s', 'logs') + '/')).toBe(true);
      expect(p.split('/').includes('..')).toBe(false);
    }
  });

  it('encodes ids injectively into one path component of at most 255 bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.string({ unit: 'binary', maxLength: 400 }),
        (a, b) => {
          const ea = logName(a);
          expect(ea.includes('/')).toBe(false);
          expect(Buffer.byteLength(`${ea}.999999.log`)).toBeLessThanOrEqual(255);
          if (a !== b) expect(ea).not.toBe(logName(b));
        },
      ),
      { numRuns: 2000 },
    );
    expect(logName('x'.repeat(300))).not.toBe(logName(`${'x'.repeat(299)}y`));
  });
});
