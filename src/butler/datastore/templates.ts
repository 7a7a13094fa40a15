/**
 * Path templates: `{run}/{datasetType}/{band}/{day_obs}/{datasetType}_{instrument}_...`.
 * A placeholder whose value is absent from the data ID drops out together with the separator
 * before it, so there are no empty directories or doubled underscores. Data ID dimensions
 * needed to identify the dataset that the template does not mention are appended to the file
 * name, so two datasets never share a path whatever the template says.
 */
import { DatastoreError } from '../../errors.js';
import { getUniverse } from '../universe.js';
import { encodeRun, encodeSegment, MAX_SEGMENT, shorten } from './sanitize.js';

export const DEFAULT_TEMPLATE =
  '{run}/{datasetType}/{band}/{day_obs}/{datasetType}_{instrument}_{physical_filter}_{exposure}_{visit}_{detector}_{skymap}_{tract}_{patch}';

export interface TemplateRef {
  datasetType: string;
  run: string;
  dataId: Record<string, string | number>;
  storageClass?: string;
}

type Token = { lit: string } | { name: string };

const SEPARATORS = /[_.-]+$/;

function tokenize(segment: string, template: string): Token[] {
  const out: Token[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(segment); m; m = re.exec(segment)) {
    if (m.index > last) out.push({ lit: segment.slice(last, m.index) });
    const name = m[1].trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new DatastoreError(
        'DATASTORE_BAD_TEMPLATE',
        `path template "${template}": bad placeholder {${m[1]}}`,
        {
          key: template,
        },
      );
    }
    out.push({ name });
    last = m.index + m[0].length;
  }
  if (last < segment.length) out.push({ lit: segment.slice(last) });
  if (out.some((t) => 'lit' in t && /[{}]/.test(t.lit))) {
    throw new DatastoreError('DATASTORE_BAD_TEMPLATE', `path template "${template}": unbalanced braces`, {
      key: template,
    });
  }
  return out;
}

/** Check a template once (at datastore construction): it must name {run} so runs never collide. */
export function checkTemplate(template: string, key: string): void {
  if (!template.includes('{run}')) {
    throw new DatastoreError(
      'DATASTORE_BAD_TEMPLATE',
      `path template for "${key}" must contain {run}: "${template}"`,
      {
        key,
      },
    );
  }
  if (template.startsWith('/') || template.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new DatastoreError(
      'DATASTORE_BAD_TEMPLATE',
      `path template for "${key}" must be relative without "." or ".." segments: "${template}"`,
      {
        key,
      },
    );
  }
  for (const seg of template.split('/')) tokenize(seg, template);
}

/** A template split into its segments, each tokenized: templates are few, paths are many. */
const parsedTemplates = new Map<string, { seg: string; tokens: Token[] }[]>();

function parseTemplate(template: string): { seg: string; tokens: Token[] }[] {
  let parsed = parsedTemplates.get(template);
  if (!parsed) {
    parsed = template.split('/').map((seg) => ({ seg, tokens: tokenize(seg, template) }));
    parsedTemplates.set(template, parsed);
  }
  return parsed;
}

/** identifying() by the data ID's key list: a graph's datasets share a few key sets. */
const identifyingByKeys = new Map<string, string[]>();

/** The data ID dimensions that identify the dataset (those not implied by another present one). */
function identifying(dataId: Record<string, unknown>): string[] {
  const keys = Object.keys(dataId);
  const sig = keys.join(',');
  let ids = identifyingByKeys.get(sig);
  if (!ids) {
    ids = identifyingKeys(keys);
    identifyingByKeys.set(sig, ids);
  }
  return ids;
}

function identifyingKeys(keys: string[]): string[] {
  const universe = getUniverse();
  const implied = new Set<string>();
  for (const k of keys)
    if (universe.isDimension(k)) for (const i of universe.element(k).implies) implied.add(i);
  const known = universe.sortDimensions(keys.filter((k) => universe.isDimension(k) && !implied.has(k)));
  const unknown = keys.filter((k) => !universe.isDimension(k)).sort();
  return [...known, ...unknown];
}

/** A rendered path as literal text and data-ID values still to encode (`{ key }`). */
type Part = string | { key: string };

/**
 * How `template` renders for a data ID with these keys (and null-ness) and this run, dataset
 * type and storage class: what a placeholder drops, which separators go with it, what is
 * appended, depends only on those, so a graph's millions of paths share a few plans.
 */
function compile(template: string, ref: TemplateRef): Part[] {
  const used = new Set<string>();
  const value = (name: string): Part | string[] | undefined => {
    used.add(name);
    if (name === 'run') return encodeRun(ref.run);
    if (name === 'datasetType') return encodeSegment(ref.datasetType, 'datasetType');
    if (name === 'storageClass')
      return ref.storageClass === undefined ? undefined : encodeSegment(ref.storageClass, 'storageClass');
    const v = ref.dataId[name];
    return v === undefined || v === null ? undefined : { key: name };
  };
  const segments: Part[][] = [];
  for (const { seg, tokens } of parseTemplate(template)) {
    const out: Part[] = [];
    // encoded values are never empty, so the segment is empty until its first non-empty part
    const empty = (): boolean => out.every((x) => x === '');
    let pending = '';
    for (const tok of tokens) {
      if ('lit' in tok) {
        pending += tok.lit;
        continue;
      }
      const v = value(tok.name);
      if (v === undefined) {
        // Drop the separators that only existed to join this value to the previous one.
        pending = pending.replace(SEPARATORS, '');
        continue;
      }
      // A run fills a whole segment as nested directories; inside a file name its slashes are
      // encoded so the name stays one segment and distinct runs stay distinct.
      const whole = seg === `{${tok.name}}`;
      const text = Array.isArray(v) ? v.join(whole ? '/' : '%2F') : v;
      out.push(empty() ? pending.replace(/^[_.-]+/, '') : pending);
      out.push(text);
      pending = '';
    }
    out.push(empty() ? pending.replace(/^[_.-]+/, '') : pending);
    if (!empty()) segments.push(out);
  }
  if (segments.length === 0)
    throw new DatastoreError(
      'DATASTORE_BAD_TEMPLATE',
      `path template "${template}" rendered to an empty path`,
    );
  const missing = identifying(ref.dataId).filter((k) => !used.has(k));
  const last = segments[segments.length - 1];
  for (const k of missing) last.push('_', { key: k });
  const parts: Part[] = [];
  segments.forEach((seg, i) => {
    if (i > 0) parts.push('/');
    parts.push(...seg);
  });
  // merge neighbouring literals
  const merged: Part[] = [];
  for (const x of parts) {
    if (typeof x === 'string' && typeof merged[merged.length - 1] === 'string')
      merged[merged.length - 1] += x;
    else merged.push(x);
  }
  return merged;
}

const plans = new Map<string, Part[]>();

/**
 * Render `template` for `ref` to a relative path (no extension handling here).
 * Every value is sanitised (see sanitize.ts).
 */
export function renderTemplate(template: string, ref: TemplateRef): string {
  let sig = `${template}\0${ref.run}\0${ref.datasetType}\0${ref.storageClass ?? '\u0001'}`;
  for (const k in ref.dataId)
    sig += ref.dataId[k] === undefined || ref.dataId[k] === null ? `\0${k}?` : `\0${k}`;
  let plan = plans.get(sig);
  if (!plan) {
    plan = compile(template, ref);
    if (plans.size >= 10_000) plans.clear();
    plans.set(sig, plan);
  }
  let path = '';
  for (const x of plan) path += typeof x === 'string' ? x : encodeSegment(ref.dataId[x.key], x.key);
  if (path.length <= MAX_SEGMENT - 16) return path;
  return path
    .split('/')
    .map((s) => shorten(s, MAX_SEGMENT - 16))
    .join('/');
}
