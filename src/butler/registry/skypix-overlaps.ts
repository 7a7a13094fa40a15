/**
 * The common-skypix overlap tables (daf_butler's `<element>_skypix_overlap`): for every record of
 * an element with a region, the htm7 pixels of its region's envelope. Spatial joins use them as
 * the SQL pre-filter (two regions can only overlap if they share a pixel) and as the answer for
 * the common skypix dimension itself. Written with the records; repositories made before the
 * tables existed get them filled on first use (recorded in `quanta_meta`). See docs/registry.md.
 */
import { htmEnvelopeOf, rangeIndices } from '../htm.js';
import type { DimensionUniverse } from '../universe.js';
import { elementColumns, sqlType } from './columns.js';
import type { Db } from './db.js';
import { q } from './db.js';
import { commonSkyPix, elementDimensions, hasRegion } from './spatial-join.js';

const META_KEY = 'skypix_overlap';

export function overlapTable(element: string): string {
  return `skypix_overlap_${element}`;
}

export const SKYPIX_COLUMN = 'skypix_index';

export class SkyPixOverlaps {
  private readonly level: number;
  private readonly tag: string;

  constructor(
    private readonly db: Db,
    private readonly universe: DimensionUniverse,
  ) {
    const pix = commonSkyPix(universe);
    // only HTM is implemented; other systems would need their own pixelization
    if (pix.system !== 'htm') throw new Error(`common skypix system ${pix.system} is not supported`);
    this.level = pix.level;
    this.tag = `${pix.system}${pix.level}`;
  }

  get regionElements(): string[] {
    return [...this.universe.elements.keys()].filter((e) => hasRegion(this.universe, e));
  }

  /**
   * Make sure the tables exist and hold every record's pixels. One small read when they do
   * (not cached: a rolled-back transaction may have undone the creation).
   */
  async ensure(): Promise<void> {
    const rows = await this.db.all<{ value: string }>('SELECT value FROM quanta_meta WHERE key = ?', [
      META_KEY,
    ]);
    if (rows[0]?.value === this.tag) return;
    await this.db.transaction(async () => {
      for (const el of this.regionElements) {
        const t = overlapTable(el);
        const drop = `DROP TABLE IF EXISTS ${q(t)}`; // SQL, with a quoted identifier of the universe
        if (rows[0]) await this.db.exec(drop); // another level: rebuild
        const dims = elementDimensions(this.universe, el);
        const cols = dims.map(
          (d) => `${q(d)} ${sqlType(this.universe.primaryKey(d).type, this.db.dialect)} NOT NULL`,
        );
        const int = this.db.dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
        await this.db.exec(
          `CREATE TABLE IF NOT EXISTS ${q(t)} (${cols.join(', ')}, ${SKYPIX_COLUMN} ${int} NOT NULL, PRIMARY KEY (${[...dims, SKYPIX_COLUMN].map(q).join(', ')}))`,
        );
        await this.db.exec(
          `CREATE INDEX IF NOT EXISTS ${q(`${t}_pix`)} ON ${q(t)} (${[SKYPIX_COLUMN, ...dims].map(q).join(', ')})`,
        );
        const field = this.regionField(el);
        const existing = await this.db.all<Record<string, unknown>>(
          `SELECT ${[...dims.map((d) => this.column(el, d)), field].map(q).join(', ')} FROM ${q(`dim_${el}`)} WHERE ${q(field)} IS NOT NULL`,
        );
        await this.insertRows(el, existing);
      }
      await this.db.run('DELETE FROM quanta_meta WHERE key = ?', [META_KEY]);
      await this.db.run('INSERT INTO quanta_meta (key, value) VALUES (?, ?)', [META_KEY, this.tag]);
    });
  }

  /** The `dim_<element>` column holding a dimension's value (the own key is under its field name). */
  column(element: string, dimension: string): string {
    return dimension === element ? this.universe.primaryKey(element).name : dimension;
  }

  private regionField(element: string): string {
    return this.universe.element(element).metadata.find((f) => f.type === 'region')!.name;
  }

  /** Add the pixels of rows just written to `dim_<element>` (rows in elementColumns order). */
  async added(element: string, rows: unknown[][]): Promise<void> {
    if (!hasRegion(this.universe, element) || rows.length === 0) return;
    await this.ensure();
    const cols = elementColumns(this.universe, element).map((c) => c.name);
    await this.insertRows(
      element,
      rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]))),
    );
  }

  private async insertRows(element: string, records: Record<string, unknown>[]): Promise<void> {
    const dims = elementDimensions(this.universe, element);
    const field = this.regionField(element);
    const out: unknown[][] = [];
    for (const r of records) {
      const text = r[field];
      if (text === null || text === undefined) continue;
      const region = JSON.parse(String(text)) as { vertices: [number, number][] };
      const values = dims.map((d) => r[this.column(element, d)]);
      for (const pix of rangeIndices(htmEnvelopeOf(this.level, region.vertices))) out.push([...values, pix]);
    }
    await this.db.insertMany(overlapTable(element), [...dims, SKYPIX_COLUMN], out, 'ignore');
  }
}
