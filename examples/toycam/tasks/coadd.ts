/** Coaddition: makeWarp (per visit and patch) and assembleCoadd (per patch and band). */
import { defineTask, z, type DataIdValue } from 'quanta';
import { assembleCoadd as stack } from '../lib/coadd.js';
import { MASK, type MaskedImage } from '../lib/image.js';
import { thumbnail } from '../lib/plot.js';
import { wcsFromHeader, wcsToHeader } from '../lib/wcs.js';
import { warpExposure } from '../lib/warp.js';
import { num, patchWcs, readSkymap, toExposure, toMasked, type ExposureValue } from './common.js';

const patchDims = ['skymap', 'tract', 'patch'];

export const makeWarp = defineTask({
  name: 'MakeWarpTask',
  config: z.object({ skymapFile: z.string().default('') }),
  dimensions: ['instrument', 'visit', ...patchDims],
  connections: {
    inputs: {
      calexps: {
        datasetType: 'calexp',
        dimensions: ['instrument', 'visit', 'detector'],
        storageClass: 'Exposure',
        multiple: true,
      },
    },
    outputs: {
      direct: {
        datasetType: 'deepCoadd_directWarp',
        dimensions: ['instrument', 'visit', ...patchDims],
        storageClass: 'Exposure',
      },
    },
  },
  run({ inputs, config, dataId, log }) {
    const sm = readSkymap(config.skymapFile || undefined);
    const { wcs, width, height } = patchWcs(sm, Number(dataId.tract), Number(dataId.patch));
    let out: MaskedImage | undefined;
    let header: ExposureValue['header'] = {};
    for (const { value } of inputs.calexps as DataIdValue<ExposureValue>[]) {
      const w = warpExposure(
        toMasked(value),
        wcsFromHeader(value.header),
        num(value.header, 'MAGZERO'),
        wcs,
        width,
        height,
      );
      header = value.header;
      if (!out) {
        out = w;
        continue;
      }
      // detectors do not overlap: take each pixel from the detector that covers it
      for (let k = 0; k < w.image.length; k++)
        if (out.mask[k] & MASK.NO_DATA && !(w.mask[k] & MASK.NO_DATA)) {
          out.image[k] = w.image[k];
          out.variance[k] = w.variance[k];
          out.mask[k] = w.mask[k];
        }
    }
    if (!out) throw new Error('no calexp overlaps this patch');
    let covered = 0;
    for (const m of out.mask) if (!(m & MASK.NO_DATA)) covered++;
    log.info('warped', {
      detectors: (inputs.calexps as unknown[]).length,
      coveredFraction: covered / out.mask.length,
    });
    const h = {
      ...wcsToHeader(wcs),
      BUNIT: 'nJy',
      VISIT: Number(dataId.visit),
      BAND: String(header.BAND ?? ''),
      PSFSIGMA: Number(header.PSFSIGMA ?? 0),
    };
    return { direct: toExposure(out, h) };
  },
});

export const assembleCoadd = defineTask({
  name: 'AssembleCoaddTask',
  config: z.object({ thumbnailSize: z.number().int().positive().default(400) }),
  dimensions: [...patchDims, 'band'],
  connections: {
    inputs: {
      warps: {
        datasetType: 'deepCoadd_directWarp',
        dimensions: ['instrument', 'visit', ...patchDims],
        storageClass: 'Exposure',
        multiple: true,
      },
    },
    outputs: {
      coadd: { datasetType: 'deepCoadd', dimensions: [...patchDims, 'band'], storageClass: 'Exposure' },
      thumb: { datasetType: 'deepCoadd_thumbnail', dimensions: [...patchDims, 'band'], storageClass: 'Plot' },
    },
  },
  async run({ inputs, config, dataId, log }) {
    const warps = inputs.warps as DataIdValue<ExposureValue>[];
    const c = stack(warps.map((w) => toMasked(w.value)));
    log.info('coadded', { warps: warps.length });
    const header = {
      ...wcsToHeader(wcsFromHeader(warps[0].value.header)),
      BUNIT: 'nJy',
      BAND: String(dataId.band),
      NVISITS: warps.length,
    };
    const thumb = await thumbnail(c, config.thumbnailSize, {
      title: `deepCoadd ${dataId.band} band, tract ${dataId.tract} patch ${dataId.patch} (asinh, nJy)`,
    });
    return { coadd: toExposure(c, header), thumb };
  },
});
