/**
 * Progress on the terminal: a cli-progress multi-bar per task label on a TTY, plain periodic
 * lines otherwise (CI logs, pipes). Kept apart from the engine so the display can be replaced.
 */
import cliProgress from 'cli-progress';
import type { ProgressSnapshot } from './run.js';

export interface ProgressDisplay {
  update(p: ProgressSnapshot): void;
  stop(): void;
}

function line(p: ProgressSnapshot): string {
  const t = p.totals;
  const done = t.succeeded + t.failed + t.blocked + t.cancelled;
  const pct = t.total ? ((100 * done) / t.total).toFixed(1) : '100.0';
  return (
    `[${(p.elapsedMs / 1000).toFixed(0)} s] ${done}/${t.total} (${pct}%) ` +
    `running ${t.running}, ready ${t.ready}, succeeded ${t.succeeded}, failed ${t.failed}, blocked ${t.blocked}` +
    (t.cancelled ? `, cancelled ${t.cancelled}` : '')
  );
}

/** `tty` false gives a line every `everyMs` (default 10 s) and one at the end. */
export function createProgressDisplay(opts: {
  tty: boolean;
  stream?: NodeJS.WriteStream;
  everyMs?: number;
}): ProgressDisplay {
  const stream = opts.stream ?? process.stderr;
  if (!opts.tty) {
    let last = 0;
    let latest: ProgressSnapshot | undefined;
    let printed = '';
    const print = (p: ProgressSnapshot) => {
      const l = line(p);
      // the elapsed-time prefix differs between calls; compare the counts only
      const counts = l.slice(l.indexOf(']'));
      if (counts === printed) return;
      printed = counts;
      stream.write(`${l}\n`);
    };
    return {
      update(p) {
        latest = p;
        if (Date.now() - last >= (opts.everyMs ?? 10_000)) {
          last = Date.now();
          print(p);
        }
      },
      stop() {
        if (latest) print(latest);
      },
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      format: '{label} |{bar}| {value}/{total} {extra}',
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const width = { n: 8 };
  return {
    update(p) {
      for (const l of p.labels) width.n = Math.max(width.n, l.label.length);
      for (const l of p.labels) {
        const c = l.counts;
        const done = c.succeeded + c.failed + c.blocked + c.cancelled;
        const extra = [
          c.running && `${c.running} running`,
          c.failed && `${c.failed} failed`,
          c.blocked && `${c.blocked} blocked`,
        ]
          .filter(Boolean)
          .join(', ');
        const payload = { label: l.label.padEnd(width.n), extra };
        const bar = bars.get(l.label);
        if (bar) bar.update(done, payload);
        else bars.set(l.label, multi.create(l.total, done, payload));
      }
    },
    stop() {
      multi.stop();
    },
  };
}
