/**
 * A simple tangent-plane skymap from a skymap YAML (format in docs/butler.md): tracts centred
 * on a list or a grid of sky positions, each a gnomonic projection split into nx x ny patches of
 * `patch_inner` pixels that overlap their neighbours by `patch_border` pixels.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import type { Butler } from './butler.js';
import type { Region } from './region.js';
import { tangentToSky } from './region.js';
import { readYamlFile } from './yaml-input.js';

const pair = z.tuple([z.number(), z.number()]);

export const skymapSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, "_" and "-"'),
    /** arcsec per pixel */
    pixel_scale: z.number().positive().default(0.2),
    /** inner patch size in pixels [x, y] */
    patch_inner: pair.default([4000, 4000]),
    /** overlap added on every side of a patch, pixels */
    patch_border: z.number().nonnegative().default(100),
    /** patches per tract [nx, ny] */
    patches: z.tuple([z.number().int().positive(), z.number().int().positive()]).default([10, 10]),
    tracts: z
      .array(
        z.strictObject({
          id: z.number().int().nonnegative(),
          ra: z.number(),
          dec: z.number().min(-89).max(89),
        }),
      )
      .optional(),
    /** tract centres every `step` degrees over [ra0, ra1] x [dec0, dec1], numbered from 0 */
    tract_grid: z.strictObject({ ra: pair, dec: pair, step: z.number().positive() }).optional(),
  })
  .refine(
    (s) => (s.tracts ? 1 : 0) + (s.tract_grid ? 1 : 0) === 1,
    'give exactly one of "tracts" or "tract_grid"',
  );

export type SkymapSpec = z.infer<typeof skymapSchema>;

export interface TractGeometry {
  id: number;
  ra: number;
  dec: number;
  region: Region;
  patches: { id: number; x: number; y: number; region: Region }[];
}

function tractCentres(s: SkymapSpec): { id: number; ra: number; dec: number }[] {
  if (s.tracts) return s.tracts;
  const g = s.tract_grid!;
  const out: { id: number; ra: number; dec: number }[] = [];
  for (let dec = g.dec[0]; dec <= g.dec[1] + 1e-9; dec += g.step)
    for (let ra = g.ra[0]; ra <= g.ra[1] + 1e-9; ra += g.step) out.push({ id: out.length, ra, dec });
  return out;
}

/** Polygon of a tangent-plane box (degrees) around a tract centre. */
function box(ra0: number, dec0: number, x0: number, y0: number, x1: number, y1: number): Region {
  return {
    vertices: [
      tangentToSky(ra0, dec0, x0, y0),
      tangentToSky(ra0, dec0, x1, y0),
      tangentToSky(ra0, dec0, x1, y1),
      tangentToSky(ra0, dec0, x0, y1),
    ],
  };
}

export function skymapGeometry(s: SkymapSpec): TractGeometry[] {
  const deg = s.pixel_scale / 3600;
  const [nx, ny] = s.patches;
  const pw = s.patch_inner[0] * deg;
  const ph = s.patch_inner[1] * deg;
  const b = s.patch_border * deg;
  const w = nx * pw;
  const h = ny * ph;
  return tractCentres(s).map((t) => {
    const patches: TractGeometry['patches'] = [];
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const x0 = -w / 2 + x * pw;
        const y0 = -h / 2 + y * ph;
        patches.push({
          id: y * nx + x,
          x,
          y,
          region: box(t.ra, t.dec, x0 - b, y0 - b, x0 + pw + b, y0 + ph + b),
        });
      }
    return { ...t, region: box(t.ra, t.dec, -w / 2 - b, -h / 2 - b, w / 2 + b, h / 2 + b), patches };
  });
}

export async function registerSkymap(
  butler: Butler,
  file: string,
): Promise<{ name: string; tracts: number; patches: number }> {
  const spec = readYamlFile(file, skymapSchema, 'skymap');
  const geo = skymapGeometry(spec);
  const ids = new Set(geo.map((t) => t.id));
  if (ids.size !== geo.length)
    throw new RegistryError('SKYMAP_DUPLICATE_TRACT', `Tract ids must be unique.`, { file, key: 'tracts' });
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 32);
  const r = butler.registry;
  const existing = await r.queryDimensionRecords('skymap', { dataId: { skymap: spec.name } });
  if (existing[0] && existing[0].hash !== hash)
    throw new RegistryError(
      'SKYMAP_CONFLICT',
      `Skymap "${spec.name}" is already registered with a different definition; give the new one another name.`,
      { file, key: 'name' },
    );
  if (existing[0])
    return { name: spec.name, tracts: geo.length, patches: geo.length * spec.patches[0] * spec.patches[1] };
  await r.db.transaction(async () => {
    await r.insertDimensionRecords('skymap', [
      {
        name: spec.name,
        hash,
        tract_max: Math.max(...ids) + 1,
        patch_nx_max: spec.patches[0],
        patch_ny_max: spec.patches[1],
      },
    ]);
    await r.insertDimensionRecords(
      'tract',
      geo.map((t) => ({ skymap: spec.name, id: t.id, region: t.region })),
    );
    await r.insertDimensionRecords(
      'patch',
      geo.flatMap((t) =>
        t.patches.map((p) => ({
          skymap: spec.name,
          tract: t.id,
          id: p.id,
          cell_x: p.x,
          cell_y: p.y,
          region: p.region,
        })),
      ),
    );
  });
  mkdirSync(join(butler.root, 'skymaps'), { recursive: true });
  writeFileSync(join(butler.root, 'skymaps', `${spec.name}.yaml`), readFileSync(file));
  return { name: spec.name, tracts: geo.length, patches: geo.length * spec.patches[0] * spec.patches[1] };
}
