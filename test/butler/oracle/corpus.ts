/**
 * Our hand-written query corpus for the differential tests: each query runs on quanta and on the
 * real Butler over the same repository (daf_butler's test exports base + datasets + spatial: one
 * instrument Cam1 with detectors 1-4, visits 1-2 with regions and timespans, physical filters
 * Cam1-G/R1/R2, skymap SkyMap1 with tracts and patches, bias/flat datasets in imported_g and
 * imported_r). `error: true` marks inputs both must reject.
 */

export interface DataIdCase {
  kind: 'data_ids';
  dimensions: string[];
  where?: string;
  bind?: Record<string, unknown>;
  data_id?: Record<string, unknown>;
  datasets?: string[];
  collections?: string[];
}

export interface DatasetCase {
  kind: 'datasets';
  dataset_type: string;
  collections: string[];
  where?: string;
  bind?: Record<string, unknown>;
  data_id?: Record<string, unknown>;
  find_first?: boolean;
}

export interface RecordCase {
  kind: 'records';
  element: string;
  where?: string;
  bind?: Record<string, unknown>;
  data_id?: Record<string, unknown>;
}

export type QueryCase = DataIdCase | DatasetCase | RecordCase;

/** A case as one line: the test's name, and its key in the list of intentional differences. */
export function label(c: QueryCase): string {
  const what =
    c.kind === 'data_ids' ? c.dimensions.join(',') : c.kind === 'datasets' ? c.dataset_type : c.element;
  const extra = [
    c.where ? `where ${c.where}` : '',
    c.bind ? `bind ${JSON.stringify(c.bind)}` : '',
    c.data_id ? `data_id ${JSON.stringify(c.data_id)}` : '',
    'datasets' in c && c.datasets ? `datasets ${c.datasets.join(',')}` : '',
    'collections' in c && c.collections ? `in ${c.collections.join(',')}` : '',
    'find_first' in c && c.find_first ? 'find-first' : '',
  ].filter(Boolean);
  return `${c.kind} ${what}${extra.length ? `: ${extra.join('; ')}` : ''}`;
}

const ids = (dimensions: string[], where = '', more: Partial<DataIdCase> = {}): DataIdCase => ({
  kind: 'data_ids',
  dimensions,
  where,
  ...more,
});
const recs = (element: string, where = '', more: Partial<RecordCase> = {}): RecordCase => ({
  kind: 'records',
  element,
  where,
  ...more,
});
const sets = (
  dataset_type: string,
  collections: string[],
  where = '',
  more: Partial<DatasetCase> = {},
): DatasetCase => ({ kind: 'datasets', dataset_type, collections, where, ...more });

const CAM = "instrument = 'Cam1'";

export const CORPUS: QueryCase[] = [
  // one family, no constraint
  ids(['instrument']),
  ids(['detector']),
  ids(['physical_filter']),
  ids(['band']),
  ids(['visit']),
  ids(['day_obs']),
  ids(['visit', 'detector']),
  ids(['skymap']),
  ids(['tract']),
  ids(['patch']),
  // keys, fields, implied dimensions
  ids(['detector'], "purpose = 'SCIENCE'"),
  ids(['detector'], "detector.purpose = 'WAVEFRONT'"),
  ids(['detector'], `${CAM} AND detector IN (1..3)`),
  ids(['detector'], `${CAM} AND detector IN (1..4:2)`),
  ids(['detector'], `${CAM} AND detector NOT IN (2, 3)`),
  ids(['detector'], `${CAM} AND (detector = 1 OR detector > 3)`),
  ids(['detector'], `${CAM} AND NOT detector = 1`),
  ids(['detector'], "detector.raft = 'A' AND detector.name_in_raft = 'b'"),
  ids(['detector'], "detector.full_name IN ('Aa', 'Bb')"),
  ids(['physical_filter'], "band = 'r'"),
  ids(['physical_filter'], "physical_filter.band = 'g'"),
  ids(['visit'], `${CAM} AND visit = 1`),
  ids(['visit'], "physical_filter = 'Cam1-G'"),
  ids(['visit'], "band = 'r'"),
  ids(['visit'], 'visit.exposure_time > 50'),
  ids(['visit'], 'visit.zenith_angle < 7.5'),
  ids(['visit'], 'visit.day_obs = 20210909'),
  ids(['visit'], "visit.target_name = 'test_target' AND visit.science_program = 'test_survey'"),
  ids(['visit'], "visit.name = '2'"),
  ids(['visit', 'detector'], `${CAM} AND visit = 2 AND detector != 4`),
  ids(['visit', 'detector'], "band = 'g' AND purpose = 'SCIENCE'"),
  ids(['tract'], "skymap = 'SkyMap1' AND tract IN (0, 1)"),
  ids(['patch'], "skymap = 'SkyMap1' AND tract = 0 AND patch > 2"),
  ids(['patch'], "skymap = 'SkyMap1' AND patch.cell_x = 1"),
  // bind values and data IDs
  ids(['detector'], 'instrument = inst AND detector IN (dets)', { bind: { inst: 'Cam1', dets: [1, 2] } }),
  ids(['visit'], 'visit.exposure_time > t', { bind: { t: 50 } }),
  ids(['visit', 'detector'], '', { data_id: { instrument: 'Cam1', detector: 2 } }),
  ids(['visit', 'detector'], 'visit = 1', { data_id: { instrument: 'Cam1' } }),
  ids(['detector'], "purpose = 'SCIENCE'", { data_id: { instrument: 'Cam1', detector: 3 } }),
  // times
  ids(['visit'], "visit.timespan OVERLAPS (T'2021-09-09T03:00:30', T'2021-09-09T03:02:00')"),
  ids(['visit'], "visit.timespan OVERLAPS (T'2021-09-09T03:00:30/tai', T'2021-09-09T03:00:40/tai')"),
  ids(['visit'], "visit.timespan.begin > T'2021-09-09T03:01:30'"),
  ids(['visit'], "visit.timespan.end < T'2021-09-09T03:01:30/tai'"),
  ids(['visit'], "visit.timespan OVERLAPS T'mjd/59466.125/tai'"),
  // where two families meet: spatial joins
  ids(['visit', 'detector'], "skymap = 'SkyMap1' AND tract = 0 AND patch = 4"),
  ids(['visit', 'detector'], "skymap = 'SkyMap1' AND tract = 0 AND patch IN (0, 1, 2)"),
  ids(['visit'], "skymap = 'SkyMap1' AND tract = 0 AND patch = 5"),
  ids(['patch'], `${CAM} AND visit = 1`),
  ids(['patch'], `${CAM} AND visit = 2 AND detector = 1`),
  ids(['tract'], `${CAM} AND visit = 2`),
  ids(['visit', 'tract']),
  ids(['visit', 'detector', 'patch']),
  ids(['visit', 'patch'], "skymap = 'SkyMap1' AND band = 'r'"),
  // literal regions
  ids(['visit'], 'visit.region OVERLAPS POINT(0.4, 1.0)'),
  ids(['visit', 'detector'], 'visit_detector_region.region OVERLAPS CIRCLE(0.4, 1.0, 0.2)'),
  ids(['patch'], "skymap = 'SkyMap1' AND patch.region OVERLAPS POINT(0.4, 1.0)"),
  // datasets
  ids(['detector'], '', { datasets: ['bias'], collections: ['imported_g'] }),
  ids(['detector'], '', { datasets: ['bias'], collections: ['imported_r'] }),
  ids(['detector', 'physical_filter'], '', { datasets: ['flat'], collections: ['imported_g', 'imported_r'] }),
  ids(['detector'], "purpose = 'SCIENCE'", { datasets: ['bias', 'flat'], collections: ['imported_g'] }),
  sets('bias', ['imported_g']),
  sets('bias', ['imported_r']),
  sets('bias', ['imported_g', 'imported_r']),
  sets('bias', ['imported_r', 'imported_g'], '', { find_first: true }),
  sets('bias', ['imported_g', 'imported_r'], '', { find_first: true }),
  sets('flat', ['imported_g', 'imported_r'], "band = 'g'"),
  sets('flat', ['imported_g', 'imported_r'], "physical_filter = 'Cam1-R2'"),
  sets('flat', ['imported_r'], `${CAM} AND detector IN (2..3)`),
  sets('bias', ['imported_g'], "purpose = 'SCIENCE'", { data_id: { instrument: 'Cam1', detector: 2 } }),
  // dimension records
  recs('instrument'),
  recs('detector'),
  recs('detector', "purpose = 'SCIENCE'"),
  recs('detector', `${CAM} AND detector > 2`),
  recs('physical_filter', "band = 'r'"),
  recs('visit'),
  recs('visit', `${CAM} AND visit = 2`),
  recs('visit_detector_region', `${CAM} AND visit = 1`),
  recs('skymap'),
  recs('tract'),
  recs('patch', "skymap = 'SkyMap1' AND tract = 0"),
  recs('day_obs'),
  // bad input: both must reject
  { ...ids(['visit'], 'visit = = 3') },
  { ...ids(['visit'], 'visitt = 3') },
  { ...ids(['visit'], "visit = 'abc'") },
  { ...ids(['visit'], 'visit.dayobs = 3') },
  { ...ids(['detector'], 'detector = :missing') },
  { ...ids(['visit'], 'band in (1..3)') },
  { ...ids(['nosuchdimension']) },
];
