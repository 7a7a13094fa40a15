/** The file datastore and its formatters (shared-API contract item 4). */
export {
  FileDatastore,
  sha256,
  type DatastoreRef,
  type StoredFile,
  type TemplateMap,
} from './file-datastore.js';
export { DEFAULT_TEMPLATE, renderTemplate, checkTemplate, type TemplateRef } from './templates.js';
export { encodeRun, encodeSegment } from './sanitize.js';
export { atomicWriteFile, TEMP_PREFIX } from './atomic.js';
export {
  getFormatter,
  registerFormatter,
  knownStorageClasses,
  type Formatter,
  type Exposure,
  type Catalog,
} from '../formatters/index.js';
export {
  readFits,
  readFitsHeader,
  writeFits,
  type FitsHdu,
  type FitsHduInput,
  type FitsCard,
} from '../formatters/index.js';
