/**
 * Plain scalars resolved as PyYAML resolves them (YAML 1.1, yaml/resolver.py), because daf_butler
 * reads and writes exports with PyYAML: `08` and `1e5` are strings there, `010` is octal 8,
 * `1_000` is 1000, `1:30` is 90, `yes`/`on` are true but `y`/`n` are strings (the y band).
 * Floats are written with a dot and a signed exponent (`1.0e-07`), which PyYAML needs to read
 * them as floats.
 */
import { defineScalarTag, NOT_RESOLVED } from 'js-yaml';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NUMBER_FIRST = [...'-+0123456789.'];

function sexagesimal(digits: string): number {
  return digits.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

function intValue(s: string): number {
  const t = s.replaceAll('_', '');
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[-+]/, '');
  if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
  if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
  if (body.includes(':')) return sign * sexagesimal(body);
  if (body.length > 1 && body.startsWith('0')) return sign * parseInt(body, 8);
  return sign * Number(body);
}

function floatValue(s: string): number {
  const t = s.replaceAll('_', '').toLowerCase();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[-+]/, '');
  if (body === '.inf') return sign * Infinity;
  if (body === '.nan') return NaN;
  if (body.includes(':')) {
    const [whole, frac] = body.split('.');
    return sign * (sexagesimal(whole) + Number(`0.${frac || '0'}`));
  }
  return sign * Number(body);
}

/** A float as text PyYAML reads back as the same float. */
export function floatText(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  const s = String(x);
  const m = /^(-?[0-9.]+)e([-+]?)([0-9]+)$/.exec(s);
  if (m) return `${m[1].includes('.') ? m[1] : `${m[1]}.0`}e${m[2] || '+'}${m[3]}`;
  return s.includes('.') ? s : `${s}.0`;
}

/** PyYAML's implicit bool, int and float resolvers. */
export const pyBoolTag = defineScalarTag('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: [...'yYnNtTfFoO'],
  resolve: (s: string) => (BOOL.test(s) ? /^(?:yes|true|on)$/i.test(s) : NOT_RESOLVED),
  identify: (d: unknown) => typeof d === 'boolean',
  represent: (d: boolean) => (d ? 'true' : 'false'),
});

export const pyIntTag = defineScalarTag('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: NUMBER_FIRST,
  resolve: (s: string) => (INT.test(s) ? intValue(s) : NOT_RESOLVED),
  identify: (d: unknown) => typeof d === 'number' && Number.isInteger(d),
  // BigInt spells out integer-valued doubles that String would write as 1.5e+21
  represent: (d: number) => BigInt(d).toString(),
});

export const pyFloatTag = defineScalarTag('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: NUMBER_FIRST,
  resolve: (s: string) => (FLOAT.test(s) ? floatValue(s) : NOT_RESOLVED),
  identify: (d: unknown) => typeof d === 'number' && !Number.isInteger(d),
  represent: floatText,
});

/**
 * Writing only: strings that YAML 1.2 readers take for numbers (`08`, `1e5`) are quoted too,
 * although PyYAML reads them as strings, so the file means the same to every reader.
 */
export const coreNumberGuardTag = defineScalarTag('tag:quanta,2026:core-number', {
  implicit: true,
  implicitFirstChars: NUMBER_FIRST,
  resolve: (s: string) =>
    /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^0o[0-7]+$/.test(s)
      ? Number(s)
      : NOT_RESOLVED,
  identify: () => false,
});
