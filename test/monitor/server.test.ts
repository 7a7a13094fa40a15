/**
 * The dashboard's HTTP API against a real run: the JSON it serves, the static page and uPlot from
 * node_modules, and the token rule (open on loopback, the run token everywhere else).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, sameToken, startDashboard, type Dashboard } from '../../src/monitor/index.js';
import type {
  FailuresPayload,
  JobsPayload,
  LogPayload,
  StatusPayload,
  TimelinePayload,
} from '../../src/monitor/index.js';
import { FAILURE_LINE, quanta, runToEnd } from './fixture.js';

let submitDir: string;

beforeAll(() => {
  submitDir = runToEnd('dash-api').submitDir;
});

describe('dashboard API on loopback', () => {
  let d: Dashboard;
  beforeAll(async () => {
    d = await startDashboard({ submitDir, port: 0 });
  });
  afterAll(() => d.close());

  it('serves status, timeline, failures and resources that match the journal', async () => {
    expect(d.tokenRequired).toBe(false);
    const status = (await (await fetch(`${d.url}api/status`)).json()) as StatusPayload;
    const cli = JSON.parse(quanta(['status', submitDir, '--json']).stdout);
    expect(status.phase).toBe('finished');
    expect(status.status?.totals).toEqual(cli.totals);
    expect(status.status?.labels).toEqual(cli.labels);
    expect(status.eta?.remaining).toBe(0);
    expect(status.eta?.etaSec).toBeNull();

    const tl = ((await (await fetch(`${d.url}api/timeline`)).json()) as TimelinePayload).timeline;
    expect(tl?.intervals).toHaveLength(10);
    expect(tl?.intervals.filter((i) => i.job === 'calibrate.2').map((i) => [i.attempt, i.next])).toEqual([
      [1, 'ready'],
      [2, 'failed'],
    ]);
    expect(tl?.intervals.every((i) => i.end !== null && i.end >= i.start)).toBe(true);
    // the run is over: nothing is running or reserved at the end of the series
    const node = tl?.series.nodes[0];
    expect(node?.running.at(-1)).toBe(0);
    expect(node?.memoryMB.at(-1)).toBe(0);
    expect(Math.max(...(node?.memoryMB ?? []))).toBeGreaterThanOrEqual(300);

    const failures = (await (await fetch(`${d.url}api/failures`)).json()) as {
      failures: { id: string; attempt: number; logTail: string }[];
    };
    expect(failures.failures.map((f) => [f.id, f.attempt])).toEqual([['calibrate.2', 2]]);
    expect(failures.failures[0].logTail).toContain(FAILURE_LINE);

    const res = (await (await fetch(`${d.url}api/resources`)).json()) as {
      resources: { label: string; requestMemoryMB: number; runTimeSec: { p50: number } | null }[];
    };
    expect(res.resources.map((r) => [r.label, r.requestMemoryMB])).toEqual([
      ['isr', 300],
      ['calibrate', 400],
      ['coadd', 500],
    ]);
    expect(res.resources[0].runTimeSec?.p50).toBeGreaterThan(0.1);
    expect(res.resources[2].runTimeSec?.p50).toBeGreaterThan(0.1); // coadd.other ran
  });

  it('stops the elapsed time and rate at the end of the run', async () => {
    const first = (await (await fetch(`${d.url}api/status`)).json()) as StatusPayload;
    await new Promise((r) => setTimeout(r, 1200));
    const later = (await (await fetch(`${d.url}api/status`)).json()) as StatusPayload;
    expect(first.eta?.endedAt).not.toBeNull();
    expect(later.eta?.drivenSec).toBe(first.eta?.drivenSec);
    expect(later.eta?.perMinute).toBe(first.eta?.perMinute);
    expect(later.eta?.perMinute).toBeGreaterThan(0);
  });

  it('charts the measured memory per node next to the reserved one', async () => {
    const tl = ((await (await fetch(`${d.url}api/timeline`)).json()) as TimelinePayload).timeline;
    const closed = tl?.intervals ?? [];
    // every attempt's own peak is known once it ended
    expect(closed.every((i) => typeof i.peakMB === 'number' && i.peakMB > 0)).toBe(true);
    const node = tl?.series.nodes[0];
    expect(node?.measuredMB).toHaveLength(tl?.series.times.length ?? -1);
    const top = Math.max(...(node?.measuredMB ?? [0]));
    expect(top).toBeGreaterThan(0);
    // measured peaks of shell jobs are far below the 300-500 MB they reserved
    expect(top).toBeLessThan(Math.max(...(node?.memoryMB ?? [0])));
    expect(node?.measuredMB.at(-1)).toBe(0);
  });

  it('pages the timeline back beyond the latest attempts', async () => {
    const get = async (q: string) =>
      ((await (await fetch(`${d.url}api/timeline${q}`)).json()) as TimelinePayload).timeline;
    const all = (await get(''))?.intervals ?? [];
    expect(all).toHaveLength(10);
    const latest = await get('?limit=4');
    expect(latest?.intervals).toEqual(all.slice(6));
    expect(latest?.totalIntervals).toBe(10);
    const older = await get('?limit=4&skip=4');
    expect(older?.intervals).toEqual(all.slice(2, 6));
    expect(older?.skip).toBe(4);
    expect((await get('?limit=4&skip=8'))?.intervals).toEqual(all.slice(0, 2));
  });

  it('lists any job, filtered, and shows the log of any job, not only failed ones', async () => {
    const list = (await (await fetch(`${d.url}api/jobs`)).json()) as JobsPayload;
    expect(list.total).toBe(10);
    expect(list.jobs.map((j) => j.id).slice(0, 3)).toEqual(['isr.0', 'calibrate.0', 'isr.1']);
    const ok = (await (
      await fetch(`${d.url}api/jobs?state=succeeded&label=isr&limit=2`)
    ).json()) as JobsPayload;
    expect(ok.total).toBe(4);
    expect(ok.jobs.map((j) => [j.id, j.state])).toEqual([
      ['isr.0', 'succeeded'],
      ['isr.1', 'succeeded'],
    ]);
    const page2 = (await (await fetch(`${d.url}api/jobs?q=isr.&offset=2&limit=2`)).json()) as JobsPayload;
    expect(page2.jobs.map((j) => j.id)).toEqual(['isr.2', 'isr.3']);
    const log = (await (await fetch(`${d.url}api/log?job=isr.1`)).json()) as LogPayload;
    expect(log.log?.state).toBe('succeeded');
    expect(log.log?.tail).toContain('isr detector 1');
    const bad = await fetch(`${d.url}api/log?job=nope`);
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as LogPayload).log).toBeNull();
  });

  it('groups the failures with their fix, as quanta report does', async () => {
    const f = (await (await fetch(`${d.url}api/failures`)).json()) as FailuresPayload;
    const cli = JSON.parse(quanta(['report', submitDir, '--json']).stdout) as { failureGroups: unknown };
    expect(f.groups).toEqual(cli.failureGroups);
    expect(f.groups.map((g) => g.text)).toEqual([
      expect.stringMatching(/^1 x exit 4 on calibrate -> see the log of calibrate\.2: /),
    ]);
  });

  it('serves the page and uPlot from node_modules, nothing else from there', async () => {
    const page = await fetch(d.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/vendor/uplot/uPlot.iife.min.js');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(`${d.url}vendor/uplot/uPlot.iife.min.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toContain('uPlot');
    expect((await fetch(`${d.url}vendor/uplot/uPlot.cjs.js`)).status).toBe(404);
    expect((await fetch(`${d.url}app.js`)).status).toBe(200);
  });
});

describe('dashboard on a non-loopback address', () => {
  let d: Dashboard;
  let base: string;
  let token: string;
  beforeAll(async () => {
    d = await startDashboard({ submitDir, host: '0.0.0.0', port: 0 });
    base = `http://127.0.0.1:${d.port}/`;
    token = readFileSync(join(submitDir, 'token'), 'utf8').trim();
  });
  afterAll(() => d.close());

  it('requires the run token, kept in <submitDir>/token with mode 0600', async () => {
    expect(d.tokenRequired).toBe(true);
    expect(statSync(join(submitDir, 'token')).mode & 0o777).toBe(0o600);
    expect(d.url).toContain(`?token=${token}`);
    expect((await fetch(`${base}api/status`)).status).toBe(401);
    expect((await fetch(base)).status).toBe(401);
    const wrong = await fetch(`${base}api/status`, {
      headers: { authorization: `Bearer ${token.slice(1)}x` },
    });
    expect(wrong.status).toBe(401);
    const bearer = await fetch(`${base}api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
    expect(((await bearer.json()) as StatusPayload).phase).toBe('finished');
    expect((await fetch(`${base}api/failures?token=${token}`)).status).toBe(200);
  });

  it('turns ?token= into a cookie and drops it from the address', async () => {
    const first = await fetch(`${base}?token=${token}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^quanta_token_${d.port}=`));
    expect(cookie).toContain('HttpOnly');
    const withCookie = await fetch(`${base}api/status`, { headers: { cookie: cookie.split(';')[0] } });
    expect(withCookie.status).toBe(200);
    const badCookie = await fetch(`${base}api/status`, {
      headers: { cookie: `quanta_token_${d.port}=nope` },
    });
    expect(badCookie.status).toBe(401);
  });
});

describe('token helpers', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'node01', '192.168.1.2'])
      expect(isLoopback(h), h).toBe(false);
  });

  it('compares tokens of any length without throwing', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken('', 'x')).toBe(false);
  });
});
