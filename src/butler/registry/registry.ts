/**
 * The Registry (shared contract item 2): one interface over the SQLite and PostgreSQL backends.
 * Dimension records, data-ID queries, dataset types, collections and datasets.
 */
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import type { CollectionInfo, CollectionType } from './collections.js';
import { Collections } from './collections.js';
import type { DatasetType } from './dataset-types.js';
import { DatasetTypes } from './dataset-types.js';
import type { DataId, DatasetRef, FindOptions, NewDataset } from './datasets.js';
import { Datasets } from './datasets.js';
import type { Db } from './db.js';
import type { DataIdQuery, RecordQuery } from './dimension-queries.js';
import { DimensionQueries } from './dimension-queries.js';
import { DimensionRecordWriter } from './dimension-writes.js';
import type { DimensionRecord } from './records.js';
import { SkyPixOverlaps } from './skypix-overlaps.js';

export class Registry {
  private readonly dims: DimensionQueries;
  private readonly writer: DimensionRecordWriter;
  private readonly types: DatasetTypes;
  private readonly colls: Collections;
  private readonly datasets: Datasets;

  constructor(
    readonly db: Db,
    readonly universe: DimensionUniverse,
  ) {
    this.types = new DatasetTypes(db, universe);
    this.colls = new Collections(db);
    const overlaps = new SkyPixOverlaps(db, universe);
    this.dims = new DimensionQueries(db, universe, this.types, this.colls, overlaps);
    this.writer = new DimensionRecordWriter(db, universe, overlaps, (e) => this.dims.checkElement(e));
    this.datasets = new Datasets(db, universe, this.types, this.colls, this.dims);
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.db.dialect;
  }

  /** Insert records of one element; an existing key is an error unless `skipExisting`. */
  insertDimensionRecords(
    element: string,
    records: DimensionRecord[],
    opts: { skipExisting?: boolean } = {},
  ): Promise<void> {
    return this.writer.insert(element, records, opts.skipExisting ? 'ignore' : 'error');
  }

  /** Insert records that are missing; existing ones must be identical. Resolves to the number inserted. */
  syncDimensionRecords(element: string, records: DimensionRecord[]): Promise<number> {
    return this.writer.sync(element, records);
  }

  queryDimensionRecords(element: string, opts: RecordQuery = {}): Promise<DimensionRecord[]> {
    return this.dims.records(element, opts);
  }

  /** Data IDs of `dimensions`, expanded to their required and implied dimensions. */
  queryDataIds(dimensions: string[], opts: DataIdQuery = {}): Promise<DataId[]> {
    return this.dims.dataIds(dimensions, opts);
  }

  registerDatasetType(t: DatasetType): Promise<boolean> {
    return this.types.register(t);
  }

  getDatasetType(name: string): Promise<DatasetType> {
    return this.types.get(name);
  }

  queryDatasetTypes(): Promise<DatasetType[]> {
    return this.types.all();
  }

  registerRun(name: string): Promise<boolean> {
    return this.colls.register(name, 'RUN');
  }

  registerCollection(name: string, type: CollectionType): Promise<boolean> {
    return this.colls.register(name, type);
  }

  setCollectionChain(parent: string, children: string[]): Promise<void> {
    return this.colls.setChain(parent, children);
  }

  getCollectionChain(name: string): Promise<string[]> {
    return this.colls.getChain(name);
  }

  resolveCollections(names: string[]): Promise<string[]> {
    return this.colls.resolve(names);
  }

  queryCollections(pattern?: string): Promise<CollectionInfo[]> {
    return this.colls.query(pattern);
  }

  insertDatasets(datasetType: string, run: string, datasets: NewDataset[]): Promise<DatasetRef[]> {
    return this.datasets.insert(datasetType, run, datasets);
  }

  /** Add existing datasets to a TAGGED collection. */
  async associate(collection: string, ids: string[]): Promise<void> {
    const t = await this.colls.typeOf(collection);
    if (!t) throw await this.colls.unknown(collection);
    if (t !== 'TAGGED')
      throw new RegistryError(
        'REGISTRY_NOT_TAGGED',
        `Collection "${collection}" is ${t}; datasets can be associated only with TAGGED collections.`,
        {
          key: collection,
        },
      );
    await this.db.insertMany(
      'tagged',
      ['collection', 'dataset_id'],
      ids.map((id) => [collection, id]),
      'ignore',
    );
  }

  findDatasets(datasetType: string, opts: FindOptions): Promise<DatasetRef[]> {
    return this.datasets.find(datasetType, opts);
  }

  /** Remove RUN collections and their datasets; resolves to the datastore paths they held. */
  removeRuns(names: string[]): Promise<string[]> {
    return this.datasets.removeRuns(names);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
