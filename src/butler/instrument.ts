/**
 * Instruments from an instrument YAML (format in docs/butler.md): the instrument, its bands,
 * physical filters and detectors. The file is kept in the repo (`instruments/<name>.yaml`) because
 * define-visits needs the detectors' focal-plane geometry, which the universe does not hold.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import type { Butler } from './butler.js';
import { readYamlFile } from './yaml-input.js';
import { quantaCommand } from '../util/cli-hint.js';

const pair = z.tuple([z.number(), z.number()]);

const detectorSchema = z.strictObject({
  id: z.number().int().nonnegative(),
  full_name: z.string().min(1),
  raft: z.string().optional(),
  name_in_raft: z.string().optional(),
  purpose: z.string().default('SCIENCE'),
  /** focal-plane position of the detector centre, degrees (x east, y north at sky angle 0) */
  offset: pair.optional(),
  /** pixels [width, height]; default: the instrument's detector_size */
  size: pair.optional(),
  /** explicit corners in focal-plane degrees (overrides offset/size) */
  corners: z.array(pair).min(3).optional(),
});

export const instrumentSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, "_" and "-"'),
  class_name: z.string().optional(),
  visit_max: z
    .number()
    .int()
    .default(2 ** 31 - 1),
  exposure_max: z
    .number()
    .int()
    .default(2 ** 31 - 1),
  visit_system: z.number().int().default(0),
  /** arcsec per pixel */
  pixel_scale: z.number().positive().default(0.2),
  /** default detector size in pixels [width, height] */
  detector_size: pair.default([4000, 4000]),
  detectors: z.array(detectorSchema).min(1),
  physical_filters: z.array(z.strictObject({ name: z.string().min(1), band: z.string().min(1) })).min(1),
});

export type InstrumentSpec = z.infer<typeof instrumentSchema>;

export function readInstrument(file: string): InstrumentSpec {
  const spec = readYamlFile(file, instrumentSchema, 'instrument');
  const ids = new Set<number>();
  for (const d of spec.detectors) {
    if (ids.has(d.id))
      throw new RegistryError('INSTRUMENT_DUPLICATE_DETECTOR', `Detector id ${d.id} appears twice.`, {
        file,
        key: 'detectors',
      });
    ids.add(d.id);
  }
  return spec;
}

/** Focal-plane corners of every detector, degrees. */
export function detectorCorners(spec: InstrumentSpec): Map<number, [number, number][]> {
  const out = new Map<number, [number, number][]>();
  for (const d of spec.detectors) {
    if (d.corners) {
      out.set(d.id, d.corners);
      continue;
    }
    const [w, h] = d.size ?? spec.detector_size;
    const [cx, cy] = d.offset ?? [0, 0];
    const hw = (w * spec.pixel_scale) / 3600 / 2;
    const hh = (h * spec.pixel_scale) / 3600 / 2;
    out.set(d.id, [
      [cx - hw, cy - hh],
      [cx + hw, cy - hh],
      [cx + hw, cy + hh],
      [cx - hw, cy + hh],
    ]);
  }
  return out;
}

export function instrumentFile(root: string, name: string): string {
  return join(root, 'instruments', `${name}.yaml`);
}

/** Register (insert-or-check) the instrument's records and keep its YAML in the repo. */
export async function registerInstrument(butler: Butler, file: string): Promise<InstrumentSpec> {
  const spec = readInstrument(file);
  const r = butler.registry;
  const maxDet = Math.max(...spec.detectors.map((d) => d.id)) + 1;
  await r.syncDimensionRecords('instrument', [
    {
      name: spec.name,
      visit_max: spec.visit_max,
      exposure_max: spec.exposure_max,
      visit_system: spec.visit_system,
      detector_max: maxDet,
      class_name: spec.class_name ?? null,
    },
  ]);
  await r.syncDimensionRecords(
    'band',
    [...new Set(spec.physical_filters.map((f) => f.band))].map((name) => ({ name })),
  );
  await r.syncDimensionRecords(
    'physical_filter',
    spec.physical_filters.map((f) => ({ instrument: spec.name, name: f.name, band: f.band })),
  );
  await r.syncDimensionRecords(
    'detector',
    spec.detectors.map((d) => ({
      instrument: spec.name,
      id: d.id,
      full_name: d.full_name,
      raft: d.raft ?? null,
      name_in_raft: d.name_in_raft ?? null,
      purpose: d.purpose,
    })),
  );
  mkdirSync(join(butler.root, 'instruments'), { recursive: true });
  copyFileSync(file, instrumentFile(butler.root, spec.name));
  return spec;
}

export function loadRegisteredInstrument(root: string, name: string): InstrumentSpec {
  const file = instrumentFile(root, name);
  if (!existsSync(file))
    throw new RegistryError(
      'INSTRUMENT_UNKNOWN',
      `Instrument "${name}" is not registered in ${root} (no ${file}); run ${quantaCommand('butler register-instrument', root, 'INSTRUMENT.yaml')} first.`,
      { key: name },
    );
  return readInstrument(file);
}
