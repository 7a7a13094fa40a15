/** Dataset types: a name, a set of dimensions and a storage class; definitions never change. */
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import type { Db } from './db.js';
import { suggest } from './messages.js';

export interface DatasetType {
  name: string;
  dimensions: string[];
  storageClass: string;
  isCalibration?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function describe(t: DatasetType): string {
  return `{dimensions: [${t.dimensions.join(', ')}], storageClass: ${t.storageClass}${t.isCalibration ? ', isCalibration: true' : ''}}`;
}

export class DatasetTypes {
  private readonly cache = new Map<string, DatasetType>();
  constructor(
    private readonly db: Db,
    private readonly universe: DimensionUniverse,
  ) {}

  /** Registers a dataset type; true if new, false if already registered identically. */
  async register(t: DatasetType): Promise<boolean> {
    if (!NAME.test(t.name))
      throw new RegistryError(
        'REGISTRY_DATASET_TYPE_NAME',
        `Dataset type name "${t.name}" is not valid: use letters, digits, "_" and "." (starting with a letter or "_").`,
        { key: t.name },
      );
    for (const d of t.dimensions)
      if (!this.universe.isDimension(d))
        throw new RegistryError(
          'REGISTRY_UNKNOWN_DIMENSION',
          `Dataset type "${t.name}" names unknown dimension "${d}"${suggest(d, this.universe.dimensionNames)}; the dimensions are ${this.universe.dimensionNames.join(', ')}.`,
          { key: t.name },
        );
    const def: DatasetType = {
      name: t.name,
      dimensions: this.universe.sortDimensions(t.dimensions),
      storageClass: t.storageClass,
      isCalibration: t.isCalibration ?? false,
    };
    const old = await this.find(t.name);
    if (old) {
      if (
        old.storageClass === def.storageClass &&
        old.dimensions.join(',') === def.dimensions.join(',') &&
        Boolean(old.isCalibration) === Boolean(def.isCalibration)
      )
        return false;
      throw new RegistryError(
        'REGISTRY_DATASET_TYPE_CONFLICT',
        `Dataset type "${t.name}" is already registered as ${describe(old)}; it cannot be re-registered as ${describe(def)}. Use another name.`,
        { key: t.name },
      );
    }
    await this.db.run(
      'INSERT INTO dataset_type (name, dimensions, storage_class, is_calibration) VALUES (?, ?, ?, ?)',
      [def.name, JSON.stringify(def.dimensions), def.storageClass, def.isCalibration],
    );
    this.cache.set(def.name, def);
    return true;
  }

  async find(name: string): Promise<DatasetType | undefined> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const rows = await this.db.all<{
      name: string;
      dimensions: string;
      storage_class: string;
      is_calibration: unknown;
    }>('SELECT name, dimensions, storage_class, is_calibration FROM dataset_type WHERE name = ?', [name]);
    if (!rows[0]) return undefined;
    const t: DatasetType = {
      name: rows[0].name,
      dimensions: JSON.parse(rows[0].dimensions) as string[],
      storageClass: rows[0].storage_class,
      isCalibration: rows[0].is_calibration === true || rows[0].is_calibration === 1,
    };
    this.cache.set(name, t);
    return t;
  }

  async get(name: string): Promise<DatasetType> {
    const t = await this.find(name);
    if (t) return t;
    const names = (await this.db.all<{ name: string }>('SELECT name FROM dataset_type')).map((r) => r.name);
    throw new RegistryError(
      'REGISTRY_UNKNOWN_DATASET_TYPE',
      `Dataset type "${name}" is not registered${suggest(name, names)}; registered: ${names.length ? names.sort().join(', ') : '(none)'}.`,
      { key: name },
    );
  }

  async all(): Promise<DatasetType[]> {
    const rows = await this.db.all<{ name: string }>('SELECT name FROM dataset_type ORDER BY name');
    return Promise.all(rows.map((r) => this.get(r.name)));
  }
}
