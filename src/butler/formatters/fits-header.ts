/**
 * FITS header cards: 80-character ASCII records in 2880-byte blocks (FITS standard 4.0,
 * section 4). Written by hand because no maintained pure-JS FITS library on npm writes files
 * (fitsjs only reads and is unmaintained; fitsjs-ng pulls in WASM/HEALPix dependencies for
 * features we do not need), and the subset we need is small.
 */
import { DatastoreError } from '../../errors.js';

export const BLOCK = 2880;
const CARD = 80;

export type FitsValue = string | number | boolean;

/** One header card. `value` undefined means a commentary card (COMMENT, HISTORY, blank). */
export interface FitsCard {
  key: string;
  value?: FitsValue;
  comment?: string;
  /** write a number as a float even when it is integral (e.g. CRVAL1 = 150.0) */
  float?: boolean;
}

const COMMENTARY = new Set(['COMMENT', 'HISTORY', '']);
const STANDARD_KEY = /^[A-Z0-9_-]{1,8}$/;

function fail(key: string, why: string): never {
  throw new DatastoreError('FITS_HEADER', `FITS header card ${key}: ${why}`, { key });
}

function isPrintableAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

function formatNumber(key: string, v: number, float: boolean): string {
  if (!Number.isFinite(v)) fail(key, `value ${v} is not allowed in a FITS header (finite numbers only)`);
  if (Number.isInteger(v) && !float) return String(v);
  // A float card must carry a '.' or an exponent so readers (astropy) type it as float.
  let s = String(v).toUpperCase();
  if (!/[.E]/.test(s)) s += '.0';
  else if (/E/.test(s) && !/\./.test(s)) s = s.replace('E', '.0E');
  return s;
}

function formatValue(card: FitsCard): string {
  const v = card.value;
  if (typeof v === 'boolean') return (v ? 'T' : 'F').padStart(20);
  if (typeof v === 'number') return formatNumber(card.key, v, card.float ?? false).padStart(20);
  const s = String(v);
  if (!isPrintableAscii(s)) fail(card.key, 'string values must be printable ASCII');
  // Strings start in column 11, quotes doubled, padded to at least 8 characters inside quotes.
  return `'${s.replace(/'/g, "''").padEnd(8)}'`;
}

/**
 * Render one card to 80 characters (a long string becomes several cards); throws
 * DatastoreError when a value cannot be written.
 */
export function formatCard(card: FitsCard): string {
  const key = card.key;
  if (!isPrintableAscii(key) || key.includes('=')) fail(key, 'keywords must be printable ASCII without "="');
  if (COMMENTARY.has(key) && card.value !== undefined)
    fail(key, 'COMMENT and HISTORY cards take text in `comment`, not a value');
  if (card.value === undefined) {
    if (!COMMENTARY.has(key)) fail(key, 'only COMMENT, HISTORY and blank cards may have no value');
    const text = card.comment ?? '';
    if (!isPrintableAscii(text)) fail(key, 'comment text must be printable ASCII');
    return (key.padEnd(8) + text).slice(0, CARD).padEnd(CARD);
  }
  // Keys that are not standard 8-character keywords use the ESO HIERARCH convention, upper-cased
  // because astropy looks HIERARCH keywords up by their upper-case form.
  const head = STANDARD_KEY.test(key) ? `${key.padEnd(8)}= ` : `HIERARCH ${key.toUpperCase()} = `;
  const body = head + formatValue(card);
  if (body.length > CARD && typeof card.value === 'string') return formatLongString(head, card.value, key);
  if (body.length > CARD) fail(key, `card is ${body.length} characters, more than 80 (shorten the value)`);
  let out = body;
  const comment = card.comment ?? '';
  if (comment) {
    if (!isPrintableAscii(comment)) fail(key, 'comment text must be printable ASCII');
    // Comments are cosmetic: truncate rather than fail.
    out = `${body} / ${comment}`.slice(0, CARD);
  }
  return out.padEnd(CARD);
}

/**
 * A string too long for one card, as the CONTINUE long-string convention (FITS 4.0 section
 * 4.2.1.2, read by astropy): each chunk but the last ends with '&'. The comment is dropped.
 */
function formatLongString(head: string, value: string, key: string): string {
  if (!isPrintableAscii(value)) fail(key, 'string values must be printable ASCII');
  const cards: string[] = [];
  let prefix = head;
  let chunk = '';
  const flush = (last: boolean): void => {
    cards.push(`${prefix}'${chunk}${last ? '' : '&'}'`.padEnd(CARD));
    prefix = 'CONTINUE  ';
    chunk = '';
  };
  for (let i = 0; i < value.length; i++) {
    const piece = value[i] === "'" ? "''" : value[i];
    if (CARD - prefix.length - 3 < 1) fail(key, 'keyword too long for a long-string card');
    if (chunk.length + piece.length > CARD - prefix.length - 3) flush(false);
    chunk += piece;
    // astropy (5.x) ends a CONTINUE chunk at the first quote followed by a space, so a quote
    // followed by a space always ends our chunk.
    if (piece === "''" && value[i + 1] === ' ') flush(false);
  }
  flush(true);
  return cards.join('');
}

/** Cards plus END, padded with spaces to a whole number of blocks. */
export function encodeHeader(cards: FitsCard[]): Uint8Array {
  const text = cards.map(formatCard).join('') + 'END'.padEnd(CARD);
  const padded = text.padEnd(Math.ceil(text.length / BLOCK) * BLOCK);
  return new TextEncoder().encode(padded);
}

function parseValue(raw: string): { value: FitsValue; comment?: string; float?: boolean } {
  const s = raw.trimStart();
  if (s.startsWith("'")) {
    // Quoted string: '' is an escaped quote; trailing spaces are not significant.
    let i = 1;
    let out = '';
    while (i < s.length) {
      if (s[i] === "'") {
        if (s[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        break;
      }
      out += s[i++];
    }
    const rest = s.slice(i + 1);
    const slash = rest.indexOf('/');
    return { value: out.trimEnd(), comment: slash >= 0 ? rest.slice(slash + 1).trim() : undefined };
  }
  const slash = s.indexOf('/');
  const token = (slash >= 0 ? s.slice(0, slash) : s).trim();
  const comment = slash >= 0 ? s.slice(slash + 1).trim() : undefined;
  if (token === 'T' || token === 'F') return { value: token === 'T', comment };
  if (/^[+-]?\d+$/.test(token)) return { value: Number(token), comment };
  const num = Number(token.replace(/D/i, 'E'));
  if (token !== '' && Number.isFinite(num)) return { value: num, comment, float: true };
  // Complex numbers or undefined values: keep the text rather than lose the card.
  return { value: token, comment };
}

/** Parse one 80-character card. */
export function parseCard(text: string): FitsCard {
  const key = text.slice(0, 8).trimEnd();
  if (key === 'HIERARCH') {
    const eq = text.indexOf('=');
    if (eq > 0) {
      return { key: text.slice(9, eq).trim(), ...parseValue(text.slice(eq + 1)) };
    }
  }
  if (text.slice(8, 10) === '= ' && !COMMENTARY.has(key)) {
    return { key, ...parseValue(text.slice(10)) };
  }
  return { key, comment: text.slice(8).trimEnd() };
}

export interface ParsedHeader {
  cards: FitsCard[];
  /** bytes consumed, a multiple of 2880 */
  length: number;
}

/**
 * Parse a header starting at `offset`. Returns undefined when END has not been seen within
 * `bytes` (the caller may read more).
 */
export function parseHeader(bytes: Uint8Array, offset: number, what: string): ParsedHeader | undefined {
  const cards: FitsCard[] = [];
  const decoder = new TextDecoder('latin1');
  for (let pos = offset; pos + CARD <= bytes.length; pos += CARD) {
    const text = decoder.decode(bytes.subarray(pos, pos + CARD));
    if (pos === offset && !/^(SIMPLE|XTENSION)/.test(text)) {
      throw new DatastoreError(
        'FITS_FORMAT',
        `${what}: not a FITS file (no SIMPLE/XTENSION card at byte ${offset})`,
      );
    }
    if (text.startsWith('END') && text.slice(3).trim() === '') {
      const end = pos + CARD - offset;
      return { cards, length: Math.ceil(end / BLOCK) * BLOCK };
    }
    const card = parseCard(text);
    const prev = cards[cards.length - 1];
    if (card.key === 'CONTINUE' && typeof prev?.value === 'string' && prev.value.endsWith('&')) {
      const more = parseValue(text.slice(10)).value;
      prev.value = prev.value.slice(0, -1) + (typeof more === 'string' ? more : '');
      continue;
    }
    cards.push(card);
  }
  return undefined;
}

/** Keyword -> value, last card wins; commentary cards are skipped. */
export function headerRecord(cards: FitsCard[]): Record<string, FitsValue> {
  const out: Record<string, FitsValue> = {};
  for (const c of cards) if (c.value !== undefined) out[c.key] = c.value;
  return out;
}
