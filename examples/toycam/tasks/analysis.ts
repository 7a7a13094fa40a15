/**
 * Analysis: photometric and astrometric residuals against the truth, for single-frame
 * sources (per visit) and coadd forced photometry (per tract and band), as tables and plots.
 */
import { defineTask, z, type DataIdValue } from 'quanta';
import { FLAG } from '../lib/process.js';
import { scatterPlot } from '../lib/plot.js';
import { residuals, type Residuals } from '../lib/residuals.js';
import { skyFromColumns, type Band } from '../lib/sky.js';
import type { CatalogValue } from './common.js';

const truthConn = { datasetType: 'truth_summary', dimensions: ['instrument'], storageClass: 'Catalog' };

function concat(cats: CatalogValue[], col: string): Float64Array {
  const parts = cats.map((c) => Float64Array.from(c.columns[col] as ArrayLike<number>));
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface AnalysisConfig {
  brightMag: number;
  faintMag: number;
  isolationArcsec: number;
}

/** Match the good sources of `cats` to the truth and make the four outputs (both analysis tasks). */
function analyse(
  cats: CatalogValue[],
  truthValue: CatalogValue,
  band: Band,
  good: Uint8Array,
  c: AnalysisConfig,
  label: string,
  where: string,
  log: { info(msg: string, data?: Record<string, unknown>): void },
): Promise<Record<string, unknown>> {
  const magRange: [number, number] = [c.brightMag, c.faintMag];
  const r = residuals(
    concat(cats, 'ra'),
    concat(cats, 'dec'),
    concat(cats, 'mag'),
    skyFromColumns(truthValue.columns),
    {
      band,
      good,
      magRange,
      isolationArcsec: c.isolationArcsec,
    },
  );
  log.info(`${label} residuals`, { band, n: r.n, dmagRms: r.dmagRms, astromRmsMas: r.astromRmsMas });
  return outputs(r, `${label} ${band}`, magRange, `${label} ${where}, ${band} band`, band);
}

async function outputs(
  r: Residuals,
  label: string,
  magRange: [number, number],
  title: string,
  band: Band,
): Promise<Record<string, unknown>> {
  const [photPlot, astromPlot] = await Promise.all([
    scatterPlot(r.mag, r.dmag, {
      xRange: magRange,
      yRange: [-0.1, 0.1],
      title: `${title}: photometry`,
      xLabel: `true ${band} magnitude (mag)`,
      yLabel: 'measured - true (mag)',
    }),
    scatterPlot(r.dra, r.ddec, {
      xRange: [-100, 100],
      yRange: [-100, 100],
      color: [200, 60, 30],
      title: `${title}: astrometry`,
      xLabel: 'RA offset x cos(Dec) (mas)',
      yLabel: 'Dec offset (mas)',
    }),
  ]);
  return {
    table: {
      columns: { truthId: r.truthId, mag: r.mag, dmag: r.dmag, dra: r.dra, ddec: r.ddec },
      meta: {
        label,
        n: String(r.n),
        dmagRms: String(r.dmagRms),
        dmagMedian: String(r.dmagMedian),
        astromRmsMas: String(r.astromRmsMas),
      },
    },
    summary: { label, n: r.n, dmagRms: r.dmagRms, dmagMedian: r.dmagMedian, astromRmsMas: r.astromRmsMas },
    photPlot,
    astromPlot,
  };
}

const config = z.object({
  brightMag: z.number().default(17),
  faintMag: z.number().default(20.5),
  isolationArcsec: z.number().positive().default(5),
});

export const analyzeSingleFrame = defineTask({
  name: 'AnalyzeSingleFrameTask',
  config,
  dimensions: ['instrument', 'visit'],
  connections: {
    inputs: {
      srcs: {
        datasetType: 'src',
        dimensions: ['instrument', 'visit', 'detector'],
        storageClass: 'Catalog',
        multiple: true,
      },
    },
    prerequisiteInputs: { truth: truthConn },
    outputs: {
      table: { datasetType: 'src_residuals', dimensions: ['instrument', 'visit'], storageClass: 'Catalog' },
      summary: {
        datasetType: 'src_residuals_summary',
        dimensions: ['instrument', 'visit'],
        storageClass: 'StructuredData',
      },
      photPlot: {
        datasetType: 'src_photometry_plot',
        dimensions: ['instrument', 'visit'],
        storageClass: 'Plot',
      },
      astromPlot: {
        datasetType: 'src_astrometry_plot',
        dimensions: ['instrument', 'visit'],
        storageClass: 'Plot',
      },
    },
  },
  run({ inputs, config: c, dataId, log }) {
    const cats = (inputs.srcs as DataIdValue<CatalogValue>[]).map((s) => s.value);
    const band = (cats[0]?.meta?.band ?? 'r') as Band;
    const flags = concat(cats, 'flags');
    const flux = concat(cats, 'flux');
    const fluxErr = concat(cats, 'fluxErr');
    const good = Uint8Array.from(flags, (f, k) => (f === 0 && flux[k] > 100 * fluxErr[k] ? 1 : 0));
    return analyse(cats, inputs.truth as CatalogValue, band, good, c, 'src', `visit ${dataId.visit}`, log);
  },
});

export const analyzeCoadd = defineTask({
  name: 'AnalyzeForcedTask',
  config,
  dimensions: ['instrument', 'skymap', 'tract', 'band'],
  connections: {
    inputs: {
      forced: {
        datasetType: 'deepCoadd_forced_src',
        dimensions: ['skymap', 'tract', 'patch', 'band'],
        storageClass: 'Catalog',
        multiple: true,
      },
    },
    prerequisiteInputs: { truth: truthConn },
    outputs: {
      table: {
        datasetType: 'forced_residuals',
        dimensions: ['instrument', 'skymap', 'tract', 'band'],
        storageClass: 'Catalog',
      },
      summary: {
        datasetType: 'forced_residuals_summary',
        dimensions: ['instrument', 'skymap', 'tract', 'band'],
        storageClass: 'StructuredData',
      },
      photPlot: {
        datasetType: 'forced_photometry_plot',
        dimensions: ['instrument', 'skymap', 'tract', 'band'],
        storageClass: 'Plot',
      },
      astromPlot: {
        datasetType: 'forced_astrometry_plot',
        dimensions: ['instrument', 'skymap', 'tract', 'band'],
        storageClass: 'Plot',
      },
    },
  },
  run({ inputs, config: c, dataId, log }) {
    const cats = (inputs.forced as DataIdValue<CatalogValue>[]).map((s) => s.value);
    const band = String(dataId.band) as Band;
    const good = Uint8Array.from(concat(cats, 'flags'), (f) =>
      f & (FLAG.EDGE_OR_SAT | FLAG.APERTURE) ? 0 : 1,
    );
    return analyse(cats, inputs.truth as CatalogValue, band, good, c, 'forced', `tract ${dataId.tract}`, log);
  },
});
