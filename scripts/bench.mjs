// `npm run bench [-- NAME...]`: runs bench/NAME.bench.ts (all of them when no name is given),
// each in its own Node process through tsx, sequentially so that they do not disturb each other.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// a bench is bench/NAME.bench.ts, or a folder bench/NAME/ with NAME.bench.ts (bench/peers)
const benchFile = (name) =>
  existsSync(join(root, 'bench', `${name}.bench.ts`))
    ? join(root, 'bench', `${name}.bench.ts`)
    : join(root, 'bench', name, `${name}.bench.ts`);
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts') || existsSync(join(root, 'bench', f, `${f}.bench.ts`)))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
// names come first, then options for the benches (`npm run bench -- pilot --jobs 600 --reps 5`)
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('-'));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const passThrough = firstOption < 0 ? [] : args.slice(firstOption);
for (const w of wanted) {
  if (!available.includes(w)) {
    process.stderr.write(
      `bench: no bench/${w}.bench.ts or bench/${w}/${w}.bench.ts (available: ${available.join(', ')})\n`,
    );
    process.exit(2);
  }
}
let failed = 0;
for (const name of wanted.length ? wanted : available) {
  process.stdout.write(`\n== bench ${name} ==\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', benchFile(name), ...passThrough], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
