#!/usr/bin/env node
// A tiny job for example workflows and engine tests. Reads its inputs (checking each is a
// complete file), optionally sleeps/allocates/fails, appends a line to a marker file (to count
// how often it ran) and writes its output atomically (temp file + rename).
// usage: node job.mjs --out F [--in F]... [--marker F] [--sleep MS] [--alloc MB] [--fail] [--fail-if FILE] [--size BYTES]
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const args = process.argv.slice(2);
const opt = {
  in: [],
  out: undefined,
  marker: undefined,
  sleep: 0,
  alloc: 0,
  fail: false,
  failIf: undefined,
  size: 1000,
};
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--in') opt.in.push(args[++i]);
  else if (a === '--out') opt.out = args[++i];
  else if (a === '--marker') opt.marker = args[++i];
  else if (a === '--sleep') opt.sleep = Number(args[++i]);
  else if (a === '--alloc') opt.alloc = Number(args[++i]);
  else if (a === '--size') opt.size = Number(args[++i]);
  else if (a === '--fail') opt.fail = true;
  else if (a === '--fail-if') opt.failIf = args[++i];
}
if (opt.marker) appendFileSync(opt.marker, `${process.pid} ${process.env.QUANTA_ATTEMPT ?? ''}\n`);
let total = 0;
for (const f of opt.in) {
  const v = JSON.parse(readFileSync(f, 'utf8'));
  if (v.end !== 'END') throw new Error(`input ${f} is incomplete`);
  total += v.total + 1;
}
if (opt.alloc) {
  const b = Buffer.alloc(opt.alloc * 2 ** 20, 1); // touched pages count in RSS
  globalThis.keep = b;
}
await new Promise((r) => setTimeout(r, opt.sleep));
if (opt.fail || (opt.failIf && existsSync(opt.failIf))) {
  console.error('job.mjs: failing on purpose (--fail)');
  process.exit(3);
}
if (opt.out) {
  mkdirSync(dirname(opt.out), { recursive: true });
  const tmp = `${opt.out}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ total, pad: 'x'.repeat(opt.size), end: 'END' }));
  renameSync(tmp, opt.out);
}
console.log(`job.mjs: wrote ${opt.out ?? '(nothing)'} total=${total}`);
