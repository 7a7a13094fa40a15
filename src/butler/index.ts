/** The data repository: registry (SQLite / PostgreSQL), datastore, regions. */
export { createButler, openButler, redact, CONFIG_FILE, SQLITE_FILE } from './butler.js';
export type { Butler, ButlerConfig, CreateOptions } from './butler.js';
export { Registry } from './registry/registry.js';
export type { CollectionInfo, CollectionType } from './registry/collections.js';
export type { DatasetType } from './registry/dataset-types.js';
export type { DataId, DatasetRef, NewDataset, FindOptions } from './registry/datasets.js';
export type { DataIdQuery, RecordQuery } from './registry/dimension-queries.js';
export type { DimensionRecord } from './registry/records.js';
export { SCHEMA_VERSION } from './registry/schema.js';
export { regionsOverlap, regionContains, type Region } from './region.js';
export { FileDatastore } from './datastore/index.js';
