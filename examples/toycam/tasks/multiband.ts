/** Multi-band coadd measurement: detectCoaddSources, mergeCoaddDetections, forcedPhotCoadd. */
import { defineTask, z, type DataIdValue } from 'quanta';
import { detectCoadd, forcedPhotometry, mergeDetections } from '../lib/forced.js';
import { tableToColumns } from '../lib/process.js';
import { BANDS } from '../lib/sky.js';
import { wcsFromHeader } from '../lib/wcs.js';
import { toMasked, type CatalogValue, type ExposureValue } from './common.js';

const patchDims = ['skymap', 'tract', 'patch'];
const patchBand = [...patchDims, 'band'];

export const detectCoaddSources = defineTask({
  name: 'DetectCoaddSourcesTask',
  config: z.object({ detectionSigma: z.number().positive().default(5) }),
  dimensions: patchBand,
  connections: {
    inputs: { coadd: { datasetType: 'deepCoadd', dimensions: patchBand, storageClass: 'Exposure' } },
    outputs: { det: { datasetType: 'deepCoadd_det', dimensions: patchBand, storageClass: 'Catalog' } },
  },
  run({ inputs, config, log }) {
    const e = inputs.coadd as ExposureValue;
    const { sources, psfSigma } = detectCoadd(toMasked(e), wcsFromHeader(e.header), config.detectionSigma);
    log.info('detected', { sources: sources.x.length, psfSigma });
    return { det: { columns: tableToColumns(sources), meta: { psfSigma: String(psfSigma) } } };
  },
});

export const mergeCoaddDetections = defineTask({
  name: 'MergeDetectionsTask',
  config: z.object({ matchRadiusArcsec: z.number().positive().default(1.0) }),
  dimensions: patchDims,
  connections: {
    inputs: {
      dets: { datasetType: 'deepCoadd_det', dimensions: patchBand, storageClass: 'Catalog', multiple: true },
    },
    outputs: {
      merged: { datasetType: 'deepCoadd_mergeDet', dimensions: patchDims, storageClass: 'Catalog' },
    },
  },
  run({ inputs, config, log }) {
    // merge in a fixed band order (g, r, i) so the result does not depend on input order
    const dets = [...(inputs.dets as DataIdValue<CatalogValue>[])].sort(
      (a, b) => BANDS.indexOf(String(a.dataId.band) as never) - BANDS.indexOf(String(b.dataId.band) as never),
    );
    const m = mergeDetections(
      dets.map((d) => ({ ra: d.value.columns.ra as Float64Array, dec: d.value.columns.dec as Float64Array })),
      config.matchRadiusArcsec,
    );
    log.info('merged', { bands: dets.length, sources: m.ra.length });
    return {
      merged: { columns: { ...m }, meta: { bands: dets.map((d) => String(d.dataId.band)).join(',') } },
    };
  },
});

export const forcedPhotCoadd = defineTask({
  name: 'ForcedPhotCoaddTask',
  config: z.object({ apertureSigmas: z.number().positive().default(4) }),
  dimensions: patchBand,
  connections: {
    inputs: {
      coadd: { datasetType: 'deepCoadd', dimensions: patchBand, storageClass: 'Exposure' },
      det: { datasetType: 'deepCoadd_det', dimensions: patchBand, storageClass: 'Catalog' },
      merged: { datasetType: 'deepCoadd_mergeDet', dimensions: patchDims, storageClass: 'Catalog' },
    },
    outputs: {
      forced: { datasetType: 'deepCoadd_forced_src', dimensions: patchBand, storageClass: 'Catalog' },
    },
  },
  run({ inputs, config, dataId, log }) {
    const e = inputs.coadd as ExposureValue;
    const det = inputs.det as CatalogValue;
    const merged = (inputs.merged as CatalogValue).columns;
    const psfSigma = Number(det.meta?.psfSigma ?? 2);
    const t = forcedPhotometry(
      toMasked(e),
      wcsFromHeader(e.header),
      {
        id: merged.id as Int32Array,
        ra: merged.ra as Float64Array,
        dec: merged.dec as Float64Array,
        band: merged.band as Int32Array,
      },
      psfSigma,
      config.apertureSigmas,
    );
    log.info('forced photometry', { sources: t.ra.length });
    return { forced: { columns: { ...t }, meta: { band: String(dataId.band), psfSigma: String(psfSigma) } } };
  },
});
