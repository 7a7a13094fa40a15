/**
 * `quanta butler ingest`: FITS raws. Exposure metadata comes from the primary header (keywords
 * in docs/butler.md); each file becomes a `raw` dataset {instrument, exposure, detector} in the
 * run, copied (atomically) to its templated path, or left in place with `transfer: 'direct'`.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RegistryError } from '../errors.js';
import type { Butler } from './butler.js';
import { atomicWriteFile, readFitsHeader, sha256 } from './datastore/index.js';
import type { DataId, DatasetRef } from './registry/datasets.js';

type Header = Record<string, string | number | boolean>;

export interface IngestOptions {
  run: string;
  transfer?: 'copy' | 'direct';
}

export interface RawInfo {
  file: string;
  instrument: string;
  detector: number;
  exposure: Record<string, unknown>;
  dayObs: number;
}

function num(h: Header, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = h[k];
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  }
  return undefined;
}

function str(h: Header, ...keys: string[]): string | undefined {
  for (const k of keys) if (h[k] !== undefined && h[k] !== '') return String(h[k]).trim();
  return undefined;
}

/** The observing day: local date of (time - 12 h), as YYYYMMDD (the Rubin convention, UTC-12). */
export function dayObsOf(iso: string): number {
  const d = new Date(new Date(iso).getTime() - 12 * 3600 * 1000);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

export function rawInfo(file: string, h: Header): RawInfo {
  const need = (what: string, v: unknown, keys: string): void => {
    if (v === undefined)
      throw new RegistryError(
        'INGEST_HEADER',
        `The FITS header has no ${what} (keyword ${keys}); it cannot be ingested as a raw.`,
        {
          file,
          key: keys.split(' ')[0],
        },
      );
  };
  const instrument = str(h, 'INSTRUME');
  need('instrument', instrument, 'INSTRUME');
  const exposure = num(h, 'EXPID', 'EXPOSURE');
  need('exposure id', exposure, 'EXPID or EXPOSURE');
  const detector = num(h, 'DETECTOR', 'CCDNUM');
  need('detector id', detector, 'DETECTOR or CCDNUM');
  const filter = str(h, 'FILTER', 'PHYSFILT');
  need('physical filter', filter, 'FILTER');
  const dateObs = str(h, 'DATE-OBS');
  const begin = dateObs
    ? new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(dateObs) ? dateObs : `${dateObs}Z`)
    : undefined;
  if (begin && Number.isNaN(begin.getTime()))
    throw new RegistryError('INGEST_HEADER', `DATE-OBS "${dateObs}" is not an ISO time.`, {
      file,
      key: 'DATE-OBS',
    });
  const expTime = num(h, 'EXPTIME');
  const dayObs = num(h, 'DAYOBS') ?? (begin ? dayObsOf(begin.toISOString()) : undefined);
  need('observing day', dayObs, 'DAYOBS or DATE-OBS');
  return {
    file,
    instrument: instrument!,
    detector: detector!,
    dayObs: dayObs!,
    exposure: {
      instrument,
      id: exposure,
      obs_id: str(h, 'OBSID') ?? `${instrument}_${exposure}`,
      physical_filter: filter,
      day_obs: dayObs,
      exposure_time: expTime ?? null,
      dark_time: num(h, 'DARKTIME') ?? expTime ?? null,
      observation_type: (str(h, 'OBSTYPE', 'IMAGETYP') ?? 'science').toLowerCase(),
      observation_reason: str(h, 'REASON') ?? null,
      seq_num: num(h, 'SEQNUM') ?? null,
      group: str(h, 'GROUP') ?? null,
      target_name: str(h, 'OBJECT') ?? null,
      science_program: str(h, 'PROGRAM') ?? null,
      tracking_ra: num(h, 'RA_DEG', 'RA', 'CRVAL1') ?? null,
      tracking_dec: num(h, 'DEC_DEG', 'DEC', 'CRVAL2') ?? null,
      sky_angle: num(h, 'ROTANGLE') ?? null,
      zenith_angle: num(h, 'ZENANGLE') ?? null,
      timespan_begin: begin?.toISOString() ?? null,
      timespan_end:
        begin && expTime !== undefined ? new Date(begin.getTime() + expTime * 1000).toISOString() : null,
    },
  };
}

export async function ingestRaws(
  butler: Butler,
  files: string[],
  opts: IngestOptions,
): Promise<DatasetRef[]> {
  const infos: RawInfo[] = [];
  for (const f of files) {
    const file = resolve(f);
    let header: Header;
    try {
      header = (await readFitsHeader(file)).header;
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      throw new RegistryError('INGEST_READ', `Cannot read a FITS header: ${(e as Error).message}`, { file });
    }
    infos.push(rawInfo(file, header));
  }
  const r = butler.registry;
  const exposures = new Map<string, Record<string, unknown>>();
  for (const i of infos) exposures.set(`${i.instrument}/${String(i.exposure.id)}`, i.exposure);
  await r.insertDimensionRecords(
    'day_obs',
    [
      ...new Map(
        infos.map((i) => [`${i.instrument}/${i.dayObs}`, { instrument: i.instrument, id: i.dayObs }]),
      ).values(),
    ],
    { skipExisting: true },
  );
  await r.syncDimensionRecords('exposure', [...exposures.values()]);
  await r.registerDatasetType({
    name: 'raw',
    dimensions: ['instrument', 'exposure', 'detector'],
    storageClass: 'Exposure',
  });
  await r.registerRun(opts.run);
  // band (implied by the physical filter) completes the data ID the path template may use
  const bands = new Map<string, string>();
  for (const f of await r.queryDimensionRecords('physical_filter'))
    bands.set(`${String(f.instrument)}/${String(f.name)}`, String(f.band));
  const items = [];
  for (const i of infos) {
    const dataId: DataId = {
      instrument: i.instrument,
      exposure: Number(i.exposure.id),
      detector: i.detector,
      physical_filter: String(i.exposure.physical_filter),
      day_obs: i.dayObs,
    };
    const band = bands.get(`${i.instrument}/${String(i.exposure.physical_filter)}`);
    if (band !== undefined) dataId.band = band;
    const bytes = await readFile(i.file);
    let path = i.file;
    if (opts.transfer !== 'direct') {
      path = butler.datastore.pathFor({
        datasetType: 'raw',
        run: opts.run,
        dataId,
        storageClass: 'Exposure',
      });
      await atomicWriteFile(butler.datastore.absolute(path), bytes);
    }
    items.push({ dataId, path, checksum: sha256(bytes), size: bytes.length });
  }
  return r.insertDatasets('raw', opts.run, items);
}
