/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
 * against real runs: the numbers on the page are those of `quanta status --json`, the failure's
 * log tail is shown, and a run started with `--dashboard` is seen moving.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatDuration } from '../../src/engine/report.js';
import { startDashboard, type Dashboard } from '../../src/monitor/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { FAILURE_LINE, quanta, runToEnd, shellWorkflow, startRun, waitFor } from './fixture.js';

const STATES = ['pending', 'ready', 'running', 'succeeded', 'failed', 'blocked', 'cancelled', 'total'];
const probe = probeService('chromium');

interface StatusJson {
  name: string;
  labels: (Record<string, number> & { label: string })[];
  totals: Record<string, number>;
  progress: number;
}

/** Counts of the page's task table: label -> state -> number (TOTAL under '__total__'). */
async function pageCounts(page: Page): Promise<Record<string, Record<string, number>>> {
  return page.$$eval('#labels tr[data-label]', (rows) =>
    Object.fromEntries(
      rows.map((r) => [
        r.getAttribute('data-label') as string,
        Object.fromEntries(
          [...r.querySelectorAll('td[data-state]')].map((td) => [
            td.getAttribute('data-state') as string,
            Number(td.textContent),
          ]),
        ),
      ]),
    ),
  );
}

describeWithService('chromium', probe, 'the dashboard in headless Chromium', () => {
  let browser: Browser;
  let dash: Dashboard | undefined;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: probe.env.QUANTA_CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await dash?.close();
    await browser?.close();
  });

  it('shows the numbers of quanta status --json, the failure with its log tail, charts and resources', async () => {
    const { submitDir, summary } = runToEnd('dash-page');
    expect(summary.status).toBe('failed');
    const status = JSON.parse(quanta(['status', submitDir, '--json']).stdout) as StatusJson;
    dash = await startDashboard({ submitDir, port: 0, pollMs: 500 });
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    await page.waitForSelector('body[data-updated]');
    expect(await page.getAttribute('body', 'data-phase')).toBe('finished');

    const counts = await pageCounts(page);
    for (const l of status.labels)
      for (const s of STATES) expect(counts[l.label]?.[s], `${l.label} ${s}`).toBe(l[s]);
    for (const s of STATES) expect(counts.__total__[s], `TOTAL ${s}`).toBe(status.totals[s]);
    expect(await page.textContent('#kpi-progress')).toBe(`${(status.progress * 100).toFixed(1)}%`);
    const done =
      status.totals.succeeded + status.totals.failed + status.totals.blocked + status.totals.cancelled;
    expect(await page.textContent('#kpi-done')).toBe(`${done} / ${status.totals.total}`);
    expect(await page.textContent('#run-name')).toContain('monitor-test');

    // the failure: its job, the attempts (1 retry) and the recognisable line of its log
    const failure = page.locator('.failure[data-job="calibrate.2"]');
    await expect(failure.textContent()).resolves.toContain('after 2 attempt(s)');
    await expect(failure.locator('pre.log-tail').textContent()).resolves.toContain(FAILURE_LINE);
    expect(await page.locator('.failure').count()).toBe(status.totals.failed);

    // resources: one row per label, the requested memory as the workflow asked
    const req = await page.$$eval('#resources tbody tr', (rows) =>
      rows.map((r) => [r.getAttribute('data-label'), r.children[3].textContent]),
    );
    expect(req).toEqual([
      ['isr', '300'],
      ['calibrate', '400'],
      ['coadd', '500'],
    ]);
    // uPlot drew both charts, the timeline has one bar per attempt (a failed attempt outlined)
    expect(await page.locator('#chart-running canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-memory canvas').count()).toBeGreaterThan(0);
    const attempts = status.totals.succeeded + status.totals.failed + 1; // calibrate.2 ran twice
    expect(await page.locator('#gantt .job').count()).toBe(attempts);
    expect(await page.locator('#gantt .job.failed').count()).toBe(1);
    expect(errors).toEqual([]);

    const shot = join(submitDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('fits 1024 px, keeps elapsed and rate still after the end, charts measured memory, shows any job log', async () => {
    const { submitDir } = runToEnd('dash-1024');
    const cli = JSON.parse(quanta(['report', submitDir, '--json']).stdout) as {
      failureGroups: { text: string }[];
    };
    dash = await startDashboard({ submitDir, port: 0, pollMs: 500 });
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    await page.waitForSelector('body[data-updated]');

    // the resources and jobs tables fit the page: no horizontal scrolling at 1024 px
    for (const t of ['#resources', '#jobs']) {
      const fit = await page.$eval(t, (el) => ({
        table: el.scrollWidth,
        room: (el.closest('section') as HTMLElement).clientWidth,
      }));
      expect(fit.table, t).toBeLessThanOrEqual(fit.room);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);

    // elapsed and rate: the driven time, the same a few polls later
    const status = (await (await fetch(`${dash.url}api/status`)).json()) as {
      eta: { drivenSec: number; perMinute: number };
    };
    const elapsed = await page.textContent('#kpi-elapsed');
    expect(elapsed).toBe(formatDuration(status.eta.drivenSec));
    const rate = await page.textContent('#kpi-rate');
    // an ended run's page polls every 10 s: load it afresh a while later instead
    await page.waitForTimeout(1500);
    await page.reload();
    await page.waitForSelector('body[data-updated]');
    expect(await page.textContent('#kpi-elapsed')).toBe(elapsed);
    expect(await page.textContent('#kpi-rate')).toBe(rate);

    // a legend for the state colours and for the chart lines: measured and reserved per node
    const states = await page.$$eval('#state-legend [data-state]', (els) => els.map((e) => e.textContent));
    expect(states).toEqual(expect.arrayContaining(['succeeded', 'failed', 'blocked', 'running']));
    const memLegend = await page.$$eval('#chart-memory .u-legend .u-label', (els) =>
      els.map((e) => e.textContent),
    );
    expect(memLegend.some((l) => l?.endsWith(' measured'))).toBe(true);
    expect(memLegend.some((l) => l?.endsWith(' reserved'))).toBe(true);

    // failures grouped with their fix, as the report prints them
    const groups = await page.$$eval('.failure-groups li', (els) => els.map((e) => e.textContent));
    expect(groups).toEqual(cli.failureGroups.map((g) => g.text));

    // any job's log, not only a failed one's: click a succeeded job in the list
    await page.click('#jobs tbody tr[data-job="isr.1"]');
    await page.waitForFunction(() =>
      document.getElementById('log-text')?.textContent?.includes('isr detector 1'),
    );
    expect(await page.textContent('#log-title')).toContain('isr.1 (isr, succeeded)');
    // filtering the list by state
    await page.selectOption('#jobs-state', 'blocked');
    await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 1);
    expect(await page.getAttribute('#jobs tbody tr', 'data-job')).toBe('coadd');
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(submitDir, 'dashboard-1024.png'), fullPage: true });
    await page.close();
    await dash.close();
    dash = undefined;
  });

  it('shows a run started with --dashboard while it moves, and the run still exits at its end', async () => {
    const run = startRun('dash-live', shellWorkflow(1, 8, 0.1), ['--dashboard', '--cores', '4']);
    const url = await waitFor(() => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stderr())?.[1]);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
    await page.goto(url);
    await page.waitForFunction(
      () =>
        document.body.dataset.phase === 'running' &&
        Number(document.getElementById('kpi-running')?.textContent) > 0,
      undefined,
      { timeout: 20_000 },
    );
    const first = await pageCounts(page);
    // it moves: later the page shows more jobs done than at first
    await page.waitForFunction(
      (before) => {
        const cell = document.querySelector('#labels tr[data-label="__total__"] td[data-state="succeeded"]');
        return Number(cell?.textContent) > before;
      },
      first.__total__.succeeded,
      { timeout: 30_000 },
    );
    // the failure shows up while the others still run
    await page.waitForFunction(
      () =>
        document.querySelector('.failure pre.log-tail') !== null &&
        Number(document.getElementById('kpi-running')?.textContent) > 0,
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.textContent('.failure pre.log-tail')).toContain(FAILURE_LINE);
    const screenshot = join(run.submitDir, 'dashboard-running.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    // this one shows the run in motion: the picture of the README, refreshed on request only so
    // that a test run does not dirty the checkout (QUANTA_UPDATE_SCREENSHOT=1 npx vitest run test/monitor)
    const img = resolve('docs/img');
    if (process.env.QUANTA_UPDATE_SCREENSHOT === '1' || !existsSync(join(img, 'dashboard.png'))) {
      mkdirSync(img, { recursive: true });
      copyFileSync(screenshot, join(img, 'dashboard.png'));
    }
    // the run ends, its process exits (the server does not keep it alive) and the server is gone
    expect(await run.exited).toBe(1);
    await expect(fetch(`${url}api/status`)).rejects.toThrow();
    expect(existsSync(screenshot)).toBe(true);
    await page.close();
  });
});
