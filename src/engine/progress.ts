/**
 * Progress on the terminal: a cli-progress multi-bar per task label (with its rate and ETA, and
 * an overall bar) on a TTY, plain periodic lines otherwise (CI logs, pipes). Kept apart from the
 * engine loop so the display can be replaced.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from './report.js';
import type { ProgressSnapshot } from './run-types.js';
import type { StateCounts } from './journal-read.js';

export interface ProgressDisplay {
  update(p: ProgressSnapshot): void;
  stop(): void;
}

/** Jobs done: a cancelled job is not (a restore runs it), so a cancelled run never shows 100%. */
export const doneOf = (c: StateCounts): number => c.succeeded + c.failed + c.blocked;

/**
 * Completion rate over a sliding window of (time, done) samples. The window (default 60 s) keeps
 * the ETA responsive when the mix of running labels changes, unlike an average since the start.
 */
export class RateWindow {
  private samples: { t: number; done: number }[] = [];

  constructor(private readonly windowMs = 60_000) {}

  add(t: number, done: number): void {
    this.samples.push({ t, done });
    // keep one sample older than the window as the baseline
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
  }

  /** jobs per second; 0 before two samples or when nothing ended in the window */
  perSec(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.t > a.t ? (b.done - a.done) / ((b.t - a.t) / 1000) : 0;
  }

  /** seconds left for `remaining` jobs, undefined when unknown */
  etaSec(remaining: number): number | undefined {
    const r = this.perSec();
    return r > 0 && remaining > 0 ? remaining / r : undefined;
  }
}

/** `12.0/min, ETA 3m05s` (or just the rate, or '' when nothing has ended yet) */
export function rateText(rate: RateWindow, remaining: number): string {
  const perMin = rate.perSec() * 60;
  if (perMin <= 0) return '';
  const eta = rate.etaSec(remaining);
  return `${perMin >= 10 ? perMin.toFixed(0) : perMin.toFixed(1)}/min${eta !== undefined ? `, ETA ${formatDuration(eta)}` : ''}`;
}

function line(p: ProgressSnapshot, rate: RateWindow): string {
  const t = p.totals;
  const done = doneOf(t);
  const pct = t.total ? ((100 * done) / t.total).toFixed(1) : '100.0';
  const r = rateText(rate, t.total - done);
  return (
    `[${(p.elapsedMs / 1000).toFixed(0)} s] ${done}/${t.total} (${pct}%) ` +
    `running ${t.running}, ready ${t.ready}, succeeded ${t.succeeded}, failed ${t.failed}, blocked ${t.blocked}` +
    (t.cancelled ? `, cancelled ${t.cancelled}` : '') +
    (r ? `; ${r}` : '')
  );
}

/** `tty` false gives a line every `everyMs` (default 10 s) and one at the end. */
export function createProgressDisplay(opts: {
  tty: boolean;
  stream?: NodeJS.WriteStream;
  everyMs?: number;
}): ProgressDisplay {
  const stream = opts.stream ?? process.stderr;
  const total = new RateWindow();
  if (!opts.tty) {
    let last = 0;
    let latest: ProgressSnapshot | undefined;
    let printed = '';
    const print = (p: ProgressSnapshot) => {
      const l = line(p, total);
      // the elapsed time and the rate differ between calls; compare the counts only
      const counts = l.slice(l.indexOf(']')).replace(/;.*$/, '');
      if (counts === printed) return;
      printed = counts;
      stream.write(`${l}\n`);
    };
    return {
      update(p) {
        latest = p;
        total.add(Date.now(), doneOf(p.totals));
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
  const rates = new Map<string, RateWindow>();
  const width = { n: 8 };
  let overall: cliProgress.SingleBar | undefined;
  const render = (label: string, c: StateCounts, n: number, rate: RateWindow) => {
    const done = doneOf(c);
    const r = done < n ? rateText(rate, n - done) : '';
    const extra = [
      c.running && `${c.running} running`,
      c.failed && `${c.failed} failed`,
      c.blocked && `${c.blocked} blocked`,
      r,
    ]
      .filter(Boolean)
      .join(', ');
    return { done, payload: { label: label.padEnd(width.n), extra } };
  };
  return {
    update(p) {
      const now = Date.now();
      for (const l of p.labels) width.n = Math.max(width.n, l.label.length);
      for (const l of p.labels) {
        let rate = rates.get(l.label);
        if (!rate) rates.set(l.label, (rate = new RateWindow()));
        rate.add(now, doneOf(l.counts));
        const { done, payload } = render(l.label, l.counts, l.total, rate);
        const bar = bars.get(l.label);
        if (bar) bar.update(done, payload);
        else bars.set(l.label, multi.create(l.total, done, payload));
      }
      // the overall bar goes last, so it is created after the label bars
      total.add(now, doneOf(p.totals));
      const all = render('TOTAL', p.totals, p.totals.total, total);
      if (overall) overall.update(all.done, all.payload);
      else if (p.labels.length) overall = multi.create(p.totals.total, all.done, all.payload);
    },
    stop() {
      multi.stop();
    },
  };
}
