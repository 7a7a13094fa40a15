import fc from 'fast-check';
import { isAbsolute, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatastoreError } from '../../errors.js';
import { FileDatastore } from './file-datastore.js';
import { encodeSegment, hasControlChar } from './sanitize.js';
import { checkTemplate, renderTemplate } from './templates.js';

const visitId = {
  instrument: 'ToyCam',
  visit: 12,
  detector: 3,
  band: 'r',
  physical_filter: 'ToyCam-r',
  day_obs: 20250101,
};

describe('path templates', () => {
  it('renders the default template for visit, exposure and coadd data IDs', () => {
    const ds = new FileDatastore('/repo');
    expect(
      ds.pathFor({ datasetType: 'calexp', run: 'u/alice/run1', dataId: visitId, storageClass: 'Exposure' }),
    ).toBe('u/alice/run1/calexp/r/20250101/calexp_ToyCam_ToyCam-r_12_3.fits');
    expect(
      ds.pathFor({
        datasetType: 'raw',
        run: 'ToyCam/raw/all',
        dataId: { instrument: 'ToyCam', exposure: 2340, detector: 0 },
        storageClass: 'Exposure',
      }),
    ).toBe('ToyCam/raw/all/raw/raw_ToyCam_2340_0.fits');
    expect(
      ds.pathFor({
        datasetType: 'deepCoadd',
        run: 'r',
        dataId: { skymap: 'toy', tract: 0, patch: 42, band: 'g' },
        storageClass: 'Exposure',
      }),
    ).toBe('r/deepCoadd/g/deepCoadd_toy_0_42.fits');
    expect(ds.pathFor({ datasetType: 'summary', run: 'r', dataId: {}, storageClass: 'StructuredData' })).toBe(
      'r/summary/summary.json',
    );
  });

  it('drops absent placeholders with their separators and appends identifying dimensions the template omits', () => {
    const t = '{run}/{datasetType}/{band}/{visit}/{datasetType}_{instrument}_{visit}_{detector}';
    const ref = { datasetType: 'src', run: 'run', dataId: { instrument: 'ToyCam', detector: 5 } };
    expect(renderTemplate(t, ref)).toBe('run/src/src_ToyCam_5');
    expect(renderTemplate('{run}/{a}_{b}-{c}.{d}', { datasetType: 'x', run: 'run', dataId: { c: 1 } })).toBe(
      'run/1',
    );
    // band is identifying here (no physical_filter implies it); order follows the universe
    expect(
      renderTemplate('{run}/{datasetType}', {
        datasetType: 'x',
        run: 'run',
        dataId: { instrument: 'I', visit: 7, detector: 2, band: 'g' },
      }),
    ).toBe('run/x_I_g_2_7');
    // an expanded data ID: band, physical_filter and day_obs are implied by visit, so they are not needed
    expect(renderTemplate('{run}/{datasetType}', { datasetType: 'x', run: 'run', dataId: visitId })).toBe(
      'run/x_ToyCam_3_12',
    );
  });

  it('uses per-dataset-type templates and a template-supplied extension once', () => {
    const ds = new FileDatastore('/repo', {
      calexp: '{run}/cal/{visit}/{detector}.fits',
      default: '{run}/{datasetType}/{instrument}',
    });
    expect(ds.pathFor({ datasetType: 'calexp', run: 'r', dataId: visitId, storageClass: 'Exposure' })).toBe(
      'r/cal/12/3_ToyCam.fits',
    );
    expect(
      ds.pathFor({
        datasetType: 'meta',
        run: 'r',
        dataId: { instrument: 'ToyCam' },
        storageClass: 'StructuredData',
      }),
    ).toBe('r/meta/ToyCam.json');
  });

  it('rejects templates without {run}, with dot segments or bad placeholders', () => {
    expect(() => new FileDatastore('/repo', { calexp: '{datasetType}/{visit}' })).toThrow(
      /calexp.*must contain \{run\}/,
    );
    expect(() => checkTemplate('{run}/../{visit}', 'x')).toThrow(/"\.\."/);
    expect(() => checkTemplate('/{run}/{visit}', 'x')).toThrow(DatastoreError);
    expect(() => checkTemplate('{run}/{vis it}', 'x')).toThrow(/bad placeholder/);
    expect(() => checkTemplate('{run}/{visit', 'x')).toThrow(/unbalanced/);
  });
});

describe('sanitising values', () => {
  const ds = new FileDatastore('/repo');
  const path = (dataId: Record<string, string | number>, run = 'run'): string =>
    ds.pathFor({ datasetType: 'x', run, dataId, storageClass: 'StructuredData' });

  it('encodes ../, /, .., backslashes and absolute paths so they stay inside one segment', () => {
    expect(path({ instrument: '../../etc' })).toBe('run/x/x_%2E.%2F..%2Fetc.json');
    expect(path({ instrument: '/etc/passwd' })).toBe('run/x/x_%2Fetc%2Fpasswd.json');
    expect(path({ band: '..' })).toBe('run/x/%2E./x.json');
    expect(path({ band: '.' })).toBe('run/x/%2E/x.json');
    expect(path({ band: '..\\..' })).toBe('run/x/%2E.%5C../x.json');
    expect(path({ band: '.hidden' })).toBe('run/x/%2Ehidden/x.json');
    expect(path({ band: 'g r%' })).toBe('run/x/g%20r%25/x.json');
  });

  it('refuses NUL and other control characters, naming the key', () => {
    expect(() => path({ instrument: 'a\0b' })).toThrow(/"instrument" contains a control character/);
    expect(() => path({ instrument: 'a\nb' })).toThrow(DatastoreError);
    expect(() => path({ instrument: '' })).toThrow(/empty/);
  });

  it('shortens very long values with a hash so names stay under filesystem limits', () => {
    const long = 'a'.repeat(5000);
    const p = path({ band: long, instrument: long });
    for (const seg of p.split('/')) expect(Buffer.byteLength(seg)).toBeLessThanOrEqual(255);
    expect(p).not.toBe(path({ band: long, instrument: long + 'b' }));
  });

  it('keeps run names as nested directories but rejects empty, . and .. segments', () => {
    expect(path({}, 'u/alice/step1/20250101T000000Z')).toBe('u/alice/step1/20250101T000000Z/x/x.json');
    for (const run of ['../escape', 'u/../../x', '/abs/run', 'u//x', 'u/x/', '.', 'u/./x', '']) {
      expect(() => path({}, run), run).toThrow(DatastoreError);
    }
    expect(path({}, 'u/.alice')).toBe('u/%2Ealice/x/x.json');
    expect(() => path({}, 'u/a\0')).toThrow(/control character/);
  });

  it('encodes the run inside a file name so distinct runs never collide', () => {
    const t = '{run}/{datasetType}_{run}';
    expect(renderTemplate(t, { datasetType: 'x', run: 'u/a', dataId: {} })).toBe('u/a/x_u%2Fa');
  });

  it('property: any values render to a relative path inside the root, without . or .. or empty segments', () => {
    const value = fc.oneof(
      fc.string({ minLength: 1, maxLength: 300 }),
      fc.constantFrom('..', '.', '/', '../', '/etc', '%2E', '\\'),
      fc.integer(),
    );
    const runSeg = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('..', '.', 'u'));
    fc.assert(
      fc.property(
        value,
        value,
        value,
        fc.array(runSeg, { minLength: 1, maxLength: 4 }),
        (band, instrument, visit, runParts) => {
          const run = runParts.join('/');
          let p: string;
          try {
            p = path({ band, instrument, visit }, run);
          } catch (e) {
            expect(e).toBeInstanceOf(DatastoreError);
            return;
          }
          expect(isAbsolute(p)).toBe(false);
          for (const seg of p.split('/')) {
            expect(seg).not.toBe('');
            expect(seg).not.toBe('.');
            expect(seg).not.toBe('..');
            expect(seg.startsWith('.')).toBe(false);
            expect(seg).not.toMatch(/[\0\\]/);
          }
          const rel = relative('/repo', resolve('/repo', p));
          expect(rel.startsWith('..')).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: different values never share a path', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b && !hasControlChar(a + b));
        expect(path({ instrument: a })).not.toBe(path({ instrument: b }));
      }),
      { numRuns: 500 },
    );
  });

  it('renders the same path for a data ID whatever was rendered before (the compiled plans)', () => {
    const t = '{run}/{datasetType}/{visit}/{datasetType}_{band}_{visit}_{detector}';
    const ref = (dataId: Record<string, string | number>) => ({
      datasetType: 'calexp',
      run: 'u/a',
      dataId,
    });
    const full = { instrument: 'ToyCam', visit: 12, detector: 3, band: 'r' };
    const noBand = { instrument: 'ToyCam', visit: 12, detector: 3 };
    const first = [renderTemplate(t, ref(full)), renderTemplate(t, ref(noBand))];
    expect(first).toEqual(['u/a/calexp/12/calexp_r_12_3_ToyCam', 'u/a/calexp/12/calexp_12_3_ToyCam']);
    // the other order, and other values through the same plans
    expect(renderTemplate(t, ref(noBand))).toBe(first[1]);
    expect(renderTemplate(t, ref(full))).toBe(first[0]);
    expect(renderTemplate(t, ref({ ...full, visit: 'a b', band: '.g' }))).toBe(
      'u/a/calexp/a%20b/calexp_%2Eg_a%20b_3_ToyCam',
    );
  });

  it('property: the fast path of a segment encodes as the character loop does', () => {
    const safe = fc.string({
      unit: fc.constantFrom(...'Aaz09_+=,@-.'.split('')),
      minLength: 1,
      maxLength: 100,
    });
    fc.assert(
      fc.property(safe, (v) => {
        // every character is safe: only a leading dot is encoded, and more than 80 shortened
        const want = v.length > 80 ? undefined : v.startsWith('.') ? `%2E${v.slice(1)}` : v;
        const got = encodeSegment(v, 'k');
        if (want !== undefined) expect(got).toBe(want);
        else expect(got.length).toBeLessThanOrEqual(80);
      }),
      { numRuns: 500 },
    );
  });
});
