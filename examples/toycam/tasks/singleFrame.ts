/** Single-frame processing: isr, characterizeImage, calibrate (the LSST ProcessCcd trio). */
import { defineTask, z } from 'quanta';
import { runIsr } from '../lib/isr.js';
import { calibrate as calibrateFrame, characterize, tableToColumns } from '../lib/process.js';
import { refFromColumns, type Band } from '../lib/sky.js';
import { wcsFromHeader, wcsToHeader } from '../lib/wcs.js';
import { num, toExposure, toMasked, type CatalogValue, type ExposureValue } from './common.js';

const visitDet = ['instrument', 'visit', 'detector'];

export const isr = defineTask({
  name: 'IsrTask',
  config: z.object({
    gain: z.number().positive().default(1.0),
    readNoise: z.number().nonnegative().default(5.0),
    saturation: z.number().positive().default(60000),
  }),
  dimensions: ['instrument', 'exposure', 'detector'],
  connections: {
    inputs: {
      ccdExposure: {
        datasetType: 'raw',
        dimensions: ['instrument', 'exposure', 'detector'],
        storageClass: 'Exposure',
      },
    },
    prerequisiteInputs: {
      bias: { datasetType: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'Exposure' },
      flat: {
        datasetType: 'flat',
        dimensions: ['instrument', 'detector', 'physical_filter'],
        storageClass: 'Exposure',
      },
    },
    outputs: {
      outputExposure: {
        datasetType: 'postISRCCD',
        dimensions: ['instrument', 'exposure', 'detector'],
        storageClass: 'Exposure',
      },
    },
  },
  run({ inputs, config, log }) {
    const raw = inputs.ccdExposure as ExposureValue;
    const out = runIsr(raw, inputs.bias as ExposureValue, inputs.flat as ExposureValue, config);
    let nSat = 0;
    for (const m of out.mask) if (m & 2) nSat++;
    log.info('isr done', { saturatedPixels: nSat });
    return { outputExposure: toExposure(out, { ...raw.header, BUNIT: 'electron', ISR: true }) };
  },
});

export const characterizeImage = defineTask({
  name: 'CharacterizeImageTask',
  config: z.object({
    backgroundCell: z.number().int().positive().default(64),
    psfGuess: z.number().positive().default(2.0),
  }),
  dimensions: visitDet,
  connections: {
    inputs: {
      exposure: {
        datasetType: 'postISRCCD',
        dimensions: ['instrument', 'exposure', 'detector'],
        storageClass: 'Exposure',
      },
    },
    outputs: {
      characterized: { datasetType: 'icExp', dimensions: visitDet, storageClass: 'Exposure' },
      summary: { datasetType: 'icExp_summary', dimensions: visitDet, storageClass: 'StructuredData' },
    },
  },
  run({ inputs, config, log }) {
    const e = inputs.exposure as ExposureValue;
    const mi = toMasked(e);
    const r = characterize(mi, config);
    log.info('characterized', { ...r });
    return {
      characterized: toExposure(mi, {
        ...e.header,
        PSFSIGMA: r.psfSigma,
        BGMEAN: r.background,
        NCR: r.nCosmicRays,
      }),
      summary: r,
    };
  },
});

export const calibrate = defineTask({
  name: 'CalibrateTask',
  config: z.object({
    detectionSigma: z.number().positive().default(5),
    apertureSigmas: z.number().positive().default(3),
  }),
  dimensions: visitDet,
  connections: {
    inputs: { exposure: { datasetType: 'icExp', dimensions: visitDet, storageClass: 'Exposure' } },
    prerequisiteInputs: {
      refCat: { datasetType: 'toycam_refcat', dimensions: ['instrument'], storageClass: 'Catalog' },
    },
    outputs: {
      outputExposure: { datasetType: 'calexp', dimensions: visitDet, storageClass: 'Exposure' },
      sourceCat: { datasetType: 'src', dimensions: visitDet, storageClass: 'Catalog' },
    },
  },
  run({ inputs, config, log }) {
    const e = inputs.exposure as ExposureValue;
    const ref = refFromColumns((inputs.refCat as CatalogValue).columns);
    const band = String(e.header.BAND ?? 'r') as Band;
    const r = calibrateFrame(toMasked(e), wcsFromHeader(e.header), ref, band, {
      psfSigma: num(e.header, 'PSFSIGMA'),
      nSigma: config.detectionSigma,
      apertureSigmas: config.apertureSigmas,
    });
    if (!Number.isFinite(r.zeroPoint))
      throw new Error(`no photometric reference matches (astrometry matched ${r.nAstromMatch})`);
    log.info('calibrated', {
      zeroPoint: r.zeroPoint,
      astromRmsArcsec: r.astromRmsArcsec,
      nAstromMatch: r.nAstromMatch,
      sources: r.sources.x.length,
    });
    const header = {
      ...e.header,
      ...wcsToHeader(r.wcs),
      MAGZERO: r.zeroPoint,
      ASTRMS: r.astromRmsArcsec,
      NASTMAT: r.nAstromMatch,
    };
    return {
      outputExposure: { ...e, header },
      sourceCat: { columns: tableToColumns(r.sources), meta: { band, zeroPoint: String(r.zeroPoint) } },
    };
  },
});
