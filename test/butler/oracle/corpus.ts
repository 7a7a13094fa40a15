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
  order_by?: string[];
  limit?: number;
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
  order_by?: string[];
  limit?: number;
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
    'order_by' in c && c.order_by ? `order by ${c.order_by.join(',')}` : '',
    'limit' in c && c.limit !== undefined ? `limit ${c.limit}` : '',
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
  // the shapes of daf_butler's registry tests, in our words
  ids(['tract', 'visit']),
  ids(['tract', 'visit'], '', { data_id: { instrument: 'Cam1', skymap: 'SkyMap1' } }),
  ids(['tract', 'visit'], "instrument = 'Cam1' AND skymap = 'SkyMap9'"),
  ids(['tract', 'visit'], 'instrument = :cam AND skymap = :map', { bind: { cam: 'Cam1', map: 'SkyMap1' } }),
  ids(['tract', 'visit'], 'instrument = :cam AND skymap = :map', { bind: { cam: 'Cam', map: 'SkyMap' } }),
  ids(['detector'], "'Cam1' = instrument AND 2 < detector"),
  ids(['visit'], "instrument = 'Cam1' AND (visit.id = 1 OR visit.id = 2)"),
  ids(['detector'], "instrument = 'Cam1' AND detector IN (2..4:2)"),
  ids(['detector'], "detector.purpose = 'no-purpose'"),
  ids(['visit', 'detector', 'tract', 'patch'], 'visit = 1 AND detector = 1 AND tract = 0 AND patch = 4', {
    data_id: { instrument: 'Cam1', skymap: 'SkyMap1' },
  }),
  sets('flat', ['imported_g', 'imported_r'], 'band = :b', { bind: { b: 'r' } }),
  sets('flat', ['imported_g'], "instrument = 'Cam1' AND detector <= 3"),
  recs('detector', 'instrument = :i', { bind: { i: 'Cam1' } }),
  // data ID constraints (daf_butler's dataId= / instrument='Cam1')
  ids(['visit'], '', { data_id: { instrument: 'Cam1', visit: 2 } }),
  ids(['detector'], '', { data_id: { instrument: 'Cam1', visit: 1 } }),
  ids(['visit', 'detector'], '', { data_id: { detector: 2 } }),
  ids(['detector'], '', { data_id: { instrument: 'Cam1', detector: '2' } }),
  ids(['detector'], '', { data_id: { instrument: 'Cam1', nosuch: 2 } }),
  recs('detector', '', { data_id: { instrument: 'Cam1', detector: 2 } }),
  recs('detector', '', { data_id: { instrument: 'Cam1', visit: 1 } }),
  recs('patch', '', { data_id: { skymap: 'SkyMap1', tract: 0, patch: 4 } }),
  sets('flat', ['imported_g', 'imported_r'], '', { data_id: { instrument: 'Cam1', visit: 1 } }),
  sets('bias', ['imported_g', 'imported_r'], '', { data_id: { instrument: 'Cam1', detector: 3 } }),
  sets('bias', ['imported_g', 'imported_r'], '', {
    data_id: { instrument: 'Cam1', detector: 3 },
    find_first: true,
  }),
  // every dataset, not find-first
  sets('flat', ['imported_g', 'imported_r']),
  sets('bias', ['imported_r', 'imported_g'], "instrument = 'Cam1' AND detector > 1"),
  // orderBy and limit
  ids(['visit', 'detector'], '', { order_by: ['-detector', 'visit'] }),
  ids(['visit', 'detector'], '', { order_by: ['-detector', 'visit'], limit: 3 }),
  ids(['visit', 'detector'], '', { order_by: ['-visit.timespan.begin', 'detector'] }),
  ids(['visit', 'detector'], '', { order_by: ['visit.id', '-detector.id'], limit: 5 }),
  ids(['detector'], '', { order_by: ['raft', '-name_in_raft'] }),
  ids(['detector'], '', { order_by: ['nosuch'] }),
  ids(['detector'], '', { order_by: ['visit'] }),
  ids(['detector'], '', { order_by: ['detector'], limit: 0 }),
  recs('detector', '', { order_by: ['raft', '-name_in_raft'] }),
  recs('detector', '', { order_by: ['-detector'], limit: 2 }),
  recs('visit', '', { order_by: ['-visit.timespan.begin'] }),
  recs('visit', '', { order_by: ['visit.name'], limit: 1 }),
  recs('detector', '', { order_by: ['visit'] }),
  // the governor rule: a dimension's value or alternate key needs its instrument / skymap
  ids(['detector'], 'detector = 1'),
  ids(['detector'], "instrument IN ('Cam1') AND detector = 1"),
  ids(['detector'], "detector = 1 OR instrument = 'Cam1'"),
  ids(['detector'], "instrument > 'A' AND detector = 1"),
  ids(['detector'], 'detector IN (1, 2)'),
  ids(['visit'], 'visit.exposure_time > 0 AND visit = 1'),
  ids(['visit'], "visit.name = '1'", { data_id: { instrument: 'Cam1' } }),
  ids(['patch'], 'tract = 0'),
  ids(['patch'], "instrument = 'Cam1' AND tract = 0"),
  ids(['patch'], 'patch.cell_x = 1'),
  recs('detector', 'detector = 2'),
  sets('bias', ['imported_g'], 'detector = 2'),
  // literal regions with other families
  ids(['visit', 'tract'], "skymap = 'SkyMap1' AND visit.region OVERLAPS tract.region"),
  ids(['visit', 'detector', 'tract'], "skymap = 'SkyMap1' AND visit.region OVERLAPS tract.region"),
  ids(['visit', 'detector', 'patch'], "skymap = 'SkyMap1' AND visit.region OVERLAPS patch.region"),
  ids(['visit', 'tract'], "skymap = 'SkyMap1' AND visit.region OVERLAPS POINT(0.4, 1.0)"),
  recs('visit', 'visit.region OVERLAPS CIRCLE(0.4, 1.0, 0.1)'),
  sets('bias', ['imported_g'], 'visit_detector_region.region OVERLAPS POINT(0.4, 1.0)'),
  // the common skypix dimension (htm7): pixels overlapping regions, both ways
  ids(['visit', 'htm7'], "instrument = 'Cam1'"),
  ids(['htm7'], "instrument = 'Cam1' AND visit = 1"),
  ids(['htm7'], "skymap = 'SkyMap1' AND tract = 0 AND patch = 4"),
  ids(['patch', 'htm7'], "skymap = 'SkyMap1' AND tract = 0"),
  // bad input: both must reject
  { ...ids(['visit'], 'visit = = 3') },
  { ...ids(['visit'], 'visitt = 3') },
  { ...ids(['visit'], "visit = 'abc'") },
  { ...ids(['visit'], 'visit.dayobs = 3') },
  { ...ids(['detector'], 'detector = :missing') },
  { ...ids(['visit'], 'band in (1..3)') },
  { ...ids(['nosuchdimension']) },
  { ...ids(['detector'], 'foo.bar = 12') },
  { ...ids(['detector'], 'timespan.end < :t', { bind: { t: 1 } }) },
];
