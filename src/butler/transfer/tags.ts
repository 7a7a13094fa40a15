/**
 * The YAML tags of daf_butler export files, for reading and writing with js-yaml:
 * `!uuid` (a dataset id), `!butler_time/<scale>/<format>` (an astropy time; daf_butler writes
 * `tai/iso` with nanoseconds), `!lsst.daf.butler.Timespan`, `!<lsst.sphgeom.X> {encoded: hex}`
 * (a region), `!!binary` (base64 bytes: the skymap hash). Values keep their tag as a small class
 * so the importer can convert them by field type and report the ones it cannot.
 */
import { binaryTag, CORE_SCHEMA, defineMappingTag, defineScalarTag, YAML11_SCHEMA } from 'js-yaml';
import type { Schema } from 'js-yaml';
import { coreNumberGuardTag, pyBoolTag, pyFloatTag, pyIntTag } from './pyyaml.js';

/** `!butler_time/<scale>/<format> 'text'`. */
export class ButlerTime {
  constructor(
    readonly scale: string,
    readonly format: string,
    readonly text: string,
  ) {}
}

/** `!<lsst.sphgeom.ConvexPolygon> {encoded: ...}` and the other sphgeom region classes. */
export class SphgeomRegion {
  constructor(
    readonly className: string,
    readonly encoded: string,
  ) {}
}

/** Bytes (`!!binary`), kept as lowercase hex. */
export class Binary {
  constructor(readonly hex: string) {}
}

/** A dataset id to be written with `!uuid`. */
export class Uuid {
  constructor(readonly text: string) {}
}

/** A value under a tag quanta does not understand; reported by the importer. */
export class UnknownTagged {
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}

type Mapping = Record<string, unknown>;

function mappingTag(tagName: string, finalize: (tag: string, m: Mapping) => unknown, prefix = false) {
  return defineMappingTag<{ tag: string; m: Mapping }, unknown>(tagName, {
    matchByTagPrefix: prefix,
    create: (tag) => ({ tag, m: {} }),
    addPair: (c, k, v) => {
      c.m[String(k)] = v;
      return '';
    },
    has: (c, k) => String(k) in c.m,
    keys: (r) => Object.keys(r as Mapping),
    get: (r, k) => (r as Mapping)[String(k)],
    finalize: (c) => finalize(c.tag, c.m),
    identify: () => false,
  });
}

const uuidTag = defineScalarTag('!uuid', {
  resolve: (s: string) => s,
  identify: (d: unknown) => d instanceof Uuid,
  represent: (d: Uuid) => d.text,
});

const timeTag = defineScalarTag('!butler_time/', {
  matchByTagPrefix: true,
  resolve: (s: string, _explicit: boolean, tag: string) => {
    const [scale = '', format = ''] = tag.slice('!butler_time/'.length).split('/');
    return s === '' || s === 'null' || s === '~' ? null : new ButlerTime(scale, format, s);
  },
  identify: (d: unknown) => d instanceof ButlerTime,
  represent: (d: ButlerTime) => d.text,
  representTagName: (d: ButlerTime) => `!butler_time/${d.scale}/${d.format}`,
});

const timespanScalar = defineScalarTag('!lsst.daf.butler.Timespan', {
  resolve: (s: string) => (s === 'EMPTY' ? { begin: 'EMPTY', end: 'EMPTY' } : null),
  identify: () => false,
});
const timespanMapping = mappingTag('!lsst.daf.butler.Timespan', (_t, m) => ({ begin: m.begin, end: m.end }));
/** quanta's own older tests wrote `!butler_timespan {begin, end}`. */
const oldTimespan = mappingTag('!butler_timespan', (_t, m) => ({ begin: m.begin, end: m.end }));

const sphgeomTag = defineMappingTag<{ tag: string; m: Mapping }, unknown>('lsst.sphgeom.', {
  matchByTagPrefix: true,
  create: (tag) => ({ tag, m: {} }),
  addPair: (c, k, v) => {
    c.m[String(k)] = v;
    return '';
  },
  has: (c, k) => String(k) in c.m,
  keys: () => [],
  get: () => undefined,
  finalize: (c) => new SphgeomRegion(c.tag.slice('lsst.sphgeom.'.length), String(c.m.encoded ?? '')),
  identify: (d: unknown) => d instanceof SphgeomRegion,
  represent: (d: SphgeomRegion) => new Map([['encoded', d.encoded]]),
  representTagName: (d: SphgeomRegion) => `lsst.sphgeom.${d.className}`,
});

const hexBinaryTag = defineScalarTag('tag:yaml.org,2002:binary', {
  resolve: (s: string) => {
    const v = binaryTag.resolve(s, true, 'tag:yaml.org,2002:binary');
    return v instanceof Uint8Array ? new Binary(Buffer.from(v).toString('hex')) : v;
  },
  identify: (d: unknown) => d instanceof Binary,
  represent: (d: Binary) => Buffer.from(d.hex, 'hex').toString('base64'),
});

const unknownScalar = defineScalarTag('!', {
  matchByTagPrefix: true,
  resolve: (s: string, _e: boolean, tag: string) => new UnknownTagged(tag, s),
  identify: () => false,
});
const unknownMapping = (prefix: string) =>
  mappingTag(prefix, (tag, m) => new UnknownTagged(tag.startsWith('!') ? tag : `!<${tag}>`, m), true);

// prefix tags match in this order (exact names first): the catch-alls come last
const TAGS = [
  pyBoolTag,
  pyIntTag,
  pyFloatTag,
  uuidTag,
  timeTag,
  timespanScalar,
  timespanMapping,
  oldTimespan,
  sphgeomTag,
  hexBinaryTag,
  unknownScalar,
  unknownMapping('!'),
  unknownMapping(''),
];

/**
 * Reading: plain scalars as PyYAML resolves them (pyyaml.ts: `08` is a string, `y` too). Native
 * timestamps of old exports stay text; the importer reads them as UTC, as daf_butler does.
 */
export const LOAD_SCHEMA: Schema = CORE_SCHEMA.withTags(TAGS);

/**
 * Writing: YAML 1.1 rules with PyYAML's resolvers, so that every string PyYAML would read as a
 * number, bool or date is quoted (`'1_53'`, `'yes'`, `'2013-06-17'`); quoting a few more
 * (`'y'` by js-yaml's YAML 1.1 rules, `'08'` as YAML 1.2 reads it) is harmless.
 */
export const DUMP_SCHEMA: Schema = YAML11_SCHEMA.withTags(TAGS, coreNumberGuardTag);
