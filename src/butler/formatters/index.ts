/**
 * Formatters by storage class. Importing this module registers the built-in ones:
 * Exposure (FITS), Catalog (Arrow IPC), StructuredData (JSON), Plot (PNG), plus aliases
 * for daf_butler storage class names that map onto them.
 */
import { catalogFormatter } from './catalog.js';
import { exposureFormatter } from './exposure.js';
import { getFormatter, registerFormatter, type Formatter } from './formatter.js';
import { jsonFormatter } from './json.js';
import { plotFormatter } from './plot.js';

export { getFormatter, registerFormatter, knownStorageClasses } from './formatter.js';
export type { Formatter, FormatContext } from './formatter.js';
export { exposureFromFits, exposureToFits, exposureFormatter, type Exposure } from './exposure.js';
export {
  catalogFromArrow,
  catalogToArrow,
  catalogFormatter,
  type Catalog,
  type CatalogColumn,
} from './catalog.js';
export { jsonFormatter } from './json.js';
export { plotFormatter } from './plot.js';
export {
  readFits,
  readFitsHeader,
  writeFits,
  type FitsHdu,
  type FitsHduInput,
  type FitsPixels,
} from './fits.js';
export type { FitsCard, FitsValue } from './fits-header.js';

const builtins: Formatter[] = [exposureFormatter, catalogFormatter, jsonFormatter, plotFormatter];
for (const f of builtins) registerFormatter(f.storageClass, f);

// daf_butler names seen in export files and pipelines.
const aliases: Record<string, string> = {
  ExposureF: 'Exposure',
  SourceCatalog: 'Catalog',
  ArrowTable: 'Catalog',
  DataFrame: 'Catalog',
  StructuredDataDict: 'StructuredData',
  StructuredDataList: 'StructuredData',
};
for (const [alias, target] of Object.entries(aliases)) registerFormatter(alias, getFormatter(target));
