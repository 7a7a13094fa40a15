/**
 * Writing dimension records: insert (with the common-skypix overlap rows of region elements)
 * and sync (insert-or-check), with SQL constraint failures explained as RegistryErrors.
 */
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import { elementColumns, primaryKeyColumns } from './columns.js';
import type { Db } from './db.js';
import { q } from './db.js';
import type { DimensionRecord } from './records.js';
import { fromColumnValue, recordsToRows } from './records.js';
import type { SkyPixOverlaps } from './skypix-overlaps.js';

export class DimensionRecordWriter {
  constructor(
    private readonly db: Db,
    private readonly universe: DimensionUniverse,
    private readonly overlaps: SkyPixOverlaps,
    private readonly checkElement: (element: string) => void,
  ) {}

  async insert(
    element: string,
    records: DimensionRecord[],
    conflict: 'error' | 'ignore' = 'error',
  ): Promise<void> {
    this.checkElement(element);
    const rows = recordsToRows(this.universe, element, records);
    const cols = elementColumns(this.universe, element).map((c) => c.name);
    try {
      await this.db.transaction(async () => {
        await this.db.insertMany(`dim_${element}`, cols, rows, conflict);
        await this.overlaps.added(element, rows);
      });
    } catch (e) {
      throw this.explainConstraint(element, e);
    }
  }

  /** SQL constraint failures as RegistryErrors that say what to do. */
  private explainConstraint(element: string, e: unknown): unknown {
    const msg = e instanceof Error ? e.message : String(e);
    if (/UNIQUE|duplicate key/i.test(msg))
      return new RegistryError(
        'REGISTRY_DUPLICATE_RECORD',
        `A "${element}" record with the same key already exists (${msg}); use sync to insert-or-check.`,
        { key: element },
      );
    if (/FOREIGN KEY|foreign key/i.test(msg))
      return new RegistryError(
        'REGISTRY_MISSING_PARENT',
        `A "${element}" record refers to a dimension record that does not exist (${msg}); insert the ${this.universe.element(element).requires.concat(this.universe.element(element).implies).join('/')} records first.`,
        { key: element },
      );
    return e;
  }

  /** Insert missing records; existing ones must match exactly (error naming the differing fields). */
  async sync(element: string, records: DimensionRecord[]): Promise<number> {
    this.checkElement(element);
    const rows = recordsToRows(this.universe, element, records);
    const cols = elementColumns(this.universe, element);
    const pk = primaryKeyColumns(this.universe, element);
    const pkIdx = pk.map((k) => cols.findIndex((c) => c.name === k));
    return this.db.transaction(async () => {
      const fresh: unknown[][] = [];
      for (const [i, row] of rows.entries()) {
        const cond = pk.map((k) => `${q(k)} = ?`).join(' AND ');
        const old = await this.db.all<Record<string, unknown>>(
          `SELECT * FROM ${q(`dim_${element}`)} WHERE ${cond}`,
          pkIdx.map((j) => row[j]),
        );
        if (!old[0]) {
          fresh.push(row);
          continue;
        }
        const diffs = cols.filter((c, j) => {
          const a = fromColumnValue(c.type, old[0][c.name]);
          const b = fromColumnValue(c.type, row[j]);
          return (
            JSON.stringify(a) !== JSON.stringify(b) &&
            !(typeof a === 'number' && Math.abs(a - Number(b)) < 1e-9)
          );
        });
        if (diffs.length)
          throw new RegistryError(
            'REGISTRY_RECORD_CONFLICT',
            `The "${element}" record ${JSON.stringify(records[i])} conflicts with the one in the registry in ${diffs
              .map((c) => `${c.name} (registry: ${JSON.stringify(fromColumnValue(c.type, old[0][c.name]))})`)
              .join(', ')}.`,
            { key: element },
          );
      }
      await this.insert(
        element,
        fresh.map((r) => Object.fromEntries(cols.map((c, j) => [c.name, fromColumnValue(c.type, r[j])]))),
      );
      return fresh.length;
    });
  }
}
