// The dashboard page: polls the JSON API and redraws. Plain browser JavaScript (no build step);
// uPlot comes from /vendor/uplot/ (served from node_modules). Text from the journal and the logs
// only ever goes into textContent, never into HTML.
/* global uPlot */
'use strict';

const STATES = ['pending', 'ready', 'running', 'succeeded', 'failed', 'blocked', 'cancelled'];
const BAR_STATES = ['succeeded', 'failed', 'blocked', 'cancelled', 'running', 'ready'];
const PALETTE = [
  '#4263eb',
  '#2f9e44',
  '#f08c00',
  '#ae3ec9',
  '#0c8599',
  '#e8590c',
  '#5c940d',
  '#c2255c',
  '#1098ad',
  '#7048e8',
];

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'style') Object.assign(e.style, v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const colors = new Map();
function colorOf(label) {
  if (!colors.has(label)) colors.set(label, PALETTE[colors.size % PALETTE.length]);
  return colors.get(label);
}

function duration(sec) {
  if (sec === null || sec === undefined || !isFinite(sec)) return '-';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** a duration with a tenth of a second below 10 s */
const seconds = (sec) => (sec < 10 ? `${sec.toFixed(1)}s` : duration(sec));

async function getJson(path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

function stackedBar(counts, total) {
  const bar = el('div', { class: 'bar' });
  for (const s of BAR_STATES) {
    const n = counts[s] || 0;
    if (!n || !total) continue;
    bar.append(
      el('span', {
        title: `${s}: ${n}`,
        style: { width: `${(100 * n) / total}%`, background: `var(--${s})` },
      }),
    );
  }
  return bar;
}

function stateLegend() {
  const box = $('state-legend');
  if (box.childElementCount) return;
  for (const s of BAR_STATES)
    box.append(el('span', { 'data-state': s }, el('i', { style: { background: `var(--${s})` } }), s));
  box.append(
    el('span', { 'data-state': 'pending' }, el('i', { style: { background: 'var(--pending)' } }), 'pending'),
  );
}

function renderStatus(p) {
  stateLegend();
  document.body.dataset.phase = p.phase;
  $('phase').textContent = p.phase === 'waiting' ? 'waiting for the run to start' : p.phase;
  $('phase').className = `phase ${p.phase}`;
  $('submit-dir').textContent = p.submitDir || '';
  const s = p.status;
  if (!s) return;
  $('run-name').textContent = s.name ? `· ${s.name}` : '';
  document.title = `quanta · ${s.name || p.submitDir}`;
  const t = s.totals;
  const done = t.succeeded + t.failed + t.blocked; // a cancelled job is not done: restore runs it
  $('overall-fill').style.width = `${(100 * s.progress).toFixed(1)}%`;
  $('kpi-done').textContent = `${done} / ${t.total}`;
  $('kpi-progress').textContent = `${(100 * s.progress).toFixed(1)}%`;
  $('kpi-running').textContent = String(t.running);
  $('kpi-failed').textContent = `${t.failed} / ${t.blocked}`;
  $('kpi-failed').className = `v${t.failed ? ' warn' : ''}`;
  const e = p.eta;
  // rate and elapsed count the time a manager drove the run: they stop at its end
  $('kpi-rate').textContent =
    e && e.perMinute > 0 ? `${e.perMinute.toFixed(e.perMinute >= 10 ? 0 : 1)}/min` : '-';
  $('kpi-eta').textContent =
    p.phase === 'running' && e && e.etaSec !== null
      ? duration(e.etaSec)
      : p.phase === 'finished'
        ? 'done'
        : '-';
  $('kpi-elapsed').textContent = e && e.startedAt ? duration(e.drivenSec) : '-';
  $('kpi-elapsed').title =
    e && e.sessions > 1
      ? `driven time over ${e.sessions} manager sessions (waits between them left out)`
      : '';
  $('manager').textContent =
    p.managerText ??
    (s.manager
      ? `manager: pid ${s.manager.pid} on ${s.manager.host} since ${new Date(s.manager.since).toLocaleString()}`
      : 'manager: none (the run is not being driven; quanta restore continues it)');

  const body = document.querySelector('#labels tbody');
  body.replaceChildren(
    ...s.labels.map((l) =>
      el(
        'tr',
        { 'data-label': l.label },
        el(
          'td',
          {},
          el('i', {
            style: {
              display: 'inline-block',
              width: '10px',
              height: '10px',
              background: colorOf(l.label),
              marginRight: '6px',
              borderRadius: '2px',
            },
          }),
          l.label,
        ),
        el('td', {}, stackedBar(l, l.total)),
        ...STATES.map((k) =>
          el('td', { 'data-state': k, class: k === 'failed' && l[k] ? 'warn' : '' }, l[k]),
        ),
        el('td', { 'data-state': 'total' }, l.total),
      ),
    ),
  );
  document
    .querySelector('#labels tfoot')
    .replaceChildren(
      el(
        'tr',
        { 'data-label': '__total__' },
        el('td', {}, 'TOTAL'),
        el('td', {}, stackedBar(t, t.total)),
        ...STATES.map((k) => el('td', { 'data-state': k }, t[k])),
        el('td', { 'data-state': 'total' }, t.total),
      ),
    );
}

const charts = {};
const pad2 = (n) => String(n).padStart(2, '0');
/** Clock time of an epoch-seconds tick, as precise as the tick spacing needs: HH:MM, HH:MM:SS, HH:MM:SS.s */
function tickLabels(u, splits, _axis, _space, incr) {
  return splits.map((t) => {
    const d = new Date(t * 1000);
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    if (incr >= 60) return hm;
    const sec = `${hm}:${pad2(d.getSeconds())}`;
    return incr >= 1 ? sec : `${sec}.${Math.floor(d.getMilliseconds() / 100)}`;
  });
}

/** lines: [{label, color, values, dash, fill, width}] over `times` (epoch s) */
function lineChart(key, target, lines, times, yLabel) {
  const series = [{}];
  const data = [times];
  for (const l of lines) {
    series.push({
      label: l.label,
      stroke: l.color,
      width: l.width ?? 2,
      ...(l.dash ? { dash: l.dash } : {}),
      ...(l.fill ? { fill: `${l.color}22` } : {}),
      paths: l.flat ? undefined : uPlot.paths.stepped({ align: 1 }),
      points: { show: false },
    });
    data.push(l.values);
  }
  const sig = series.map((x) => x.label).join('|');
  const width = Math.max(280, target.clientWidth || 480);
  if (!charts[key] || charts[key].sig !== sig || charts[key].width !== width) {
    if (charts[key]) charts[key].plot.destroy();
    target.replaceChildren();
    const plot = new uPlot(
      {
        width,
        height: 220,
        series,
        // counts and memory start at 0: the lines keep their meaning when they barely move
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [
          // one line of clock time per tick, ticks at least 70 px apart: labels never overlap
          { space: 80, values: tickLabels, font: '11px system-ui, sans-serif' },
          { size: 56, label: yLabel, labelSize: 18, font: '11px system-ui, sans-serif' },
        ],
        legend: { live: false },
      },
      data,
      target,
    );
    charts[key] = { plot, sig, width };
  } else charts[key].plot.setData(data);
}

function renderGantt(tl) {
  const box = $('gantt');
  if (!tl || tl.t0 === null) {
    box.replaceChildren(el('p', { class: 'muted', style: { margin: '6px' } }, 'no job has started yet'));
    return;
  }
  const t0 = tl.intervals.length ? tl.intervals[0].start : tl.t0;
  // a page of older attempts ends with its last attempt, the latest page at the series' end
  const pageEnd = tl.skip > 0 ? Math.max(...tl.intervals.map((i) => i.end ?? tl.t1)) : tl.t1;
  const t1 = Math.max(pageEnd, t0 + 1);
  const span = t1 - t0;
  // pack each worker's intervals into as few lanes as possible (a worker runs several jobs at once)
  const lanes = [];
  const byWorker = new Map();
  for (const iv of tl.intervals) {
    if (!byWorker.has(iv.worker)) byWorker.set(iv.worker, []);
    byWorker.get(iv.worker).push(iv);
  }
  for (const [worker, ivs] of byWorker) {
    const mine = [];
    for (const iv of ivs) {
      const end = iv.end ?? t1;
      let lane = mine.find((l) => l.end <= iv.start);
      if (!lane) {
        lane = { worker, first: mine.length === 0, node: iv.node, end: 0, items: [] };
        mine.push(lane);
      }
      lane.end = end;
      lane.items.push(iv);
    }
    lanes.push(...mine);
  }
  const legend = el('div', { class: 'legend' });
  for (const label of new Set(tl.intervals.map((i) => i.label)))
    legend.append(el('span', {}, el('i', { style: { background: colorOf(label) } }), label));
  const rows = lanes.map((lane) =>
    el(
      'div',
      { class: 'lane' },
      el(
        'div',
        { class: 'lane-name' },
        lane.first ? `${lane.worker}${lane.node !== lane.worker ? ` @ ${lane.node}` : ''}` : '',
      ),
      el(
        'div',
        { class: 'lane-track' },
        ...lane.items.map((iv) => {
          const end = iv.end ?? t1;
          const cls = `job${iv.next === 'failed' ? ' failed' : ''}${iv.end === null ? ' open' : ''}`;
          const mem = iv.peakMB
            ? `peak ${Math.round(iv.peakMB)} MB of ${iv.memoryMB} MB`
            : `${iv.memoryMB} MB reserved`;
          return el('div', {
            class: cls,
            'data-job': iv.job,
            title: `${iv.job} (${iv.label}) attempt ${iv.attempt}, ${mem}, ${duration((end - iv.start) / 1000)}${iv.next ? ` -> ${iv.next}` : ' (running)'}`,
            style: {
              left: `${(100 * (iv.start - t0)) / span}%`,
              width: `${(100 * (end - iv.start)) / span}%`,
              background: colorOf(iv.label),
            },
          });
        }),
      ),
    ),
  );
  const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false });
  const axis = el(
    'div',
    { class: 'gantt-axis' },
    el('span', {}, clock(t0)),
    el('span', {}, clock(t0 + span / 2)),
    el('span', {}, clock(t1)),
  );
  box.replaceChildren(legend, ...rows, axis);
  const first = tl.totalIntervals - tl.skip - tl.intervals.length + 1;
  $('timeline-note').textContent =
    tl.totalIntervals > tl.intervals.length
      ? `(attempts ${first}-${first + tl.intervals.length - 1} of ${tl.totalIntervals}, by start time)`
      : `(${tl.totalIntervals} attempts)`;
  $('tl-older').disabled = first <= 1;
  $('tl-newer').disabled = tl.skip === 0;
  $('tl-pager').hidden = tl.totalIntervals <= tl.intervals.length;
}

let tlSkip = 0;
const TL_PAGE = 500;

function renderTimeline(p) {
  const tl = p.timeline;
  renderGantt(tl);
  if (!tl || !tl.series.times.length) return;
  const { times, nodes } = tl.series;
  const color = (i) => PALETTE[i % PALETTE.length];
  lineChart(
    'running',
    $('chart-running'),
    nodes.map((n, i) => ({ label: n.node, color: color(i), values: n.running, fill: true })),
    times,
    'jobs',
  );
  const memory = [];
  nodes.forEach((n, i) => {
    memory.push({ label: `${n.node} measured`, color: color(i), values: n.measuredMB, fill: true });
    memory.push({
      label: `${n.node} reserved`,
      color: color(i),
      values: n.memoryMB,
      dash: [6, 4],
      width: 1.5,
    });
  });
  lineChart('memory', $('chart-memory'), memory, times, 'MB');
  // the workers' memory as a number: a line at it would flatten the measured one
  $('memory-capacity').textContent = nodes
    .filter((n) => n.capacityMB)
    .map((n) => `${n.node}: ${Math.round(n.capacityMB).toLocaleString()} MB`)
    .join(' · ');
}

function renderFailures(p) {
  const box = $('failures');
  const total = (p.groups || []).reduce((n, g) => n + g.count, 0) || p.failures.length;
  $('failure-count').textContent = total ? `(${total})` : '';
  if (!p.failures.length) {
    box.replaceChildren(el('p', { class: 'muted' }, 'no failed jobs'));
    return;
  }
  const groups = el(
    'ul',
    { class: 'failure-groups' },
    ...(p.groups || []).map((g) =>
      el('li', { 'data-label': g.label, 'data-cause': g.cause }, el('code', {}, g.text)),
    ),
  );
  box.replaceChildren(
    groups,
    ...p.failures.map((f) =>
      el(
        'div',
        { class: 'failure', 'data-job': f.id },
        el(
          'div',
          {},
          el('strong', {}, f.id),
          ` (${f.label}) failed after ${f.attempt} attempt(s): `,
          f.summary,
        ),
        el(
          'div',
          { class: 'muted' },
          [
            f.exitCode !== null ? `exit code ${f.exitCode}` : '',
            f.signal ? `signal ${f.signal}` : '',
            `log: ${f.logPath || '(none)'}`,
          ]
            .filter(Boolean)
            .join(' · '),
        ),
        f.logTail ? el('pre', { class: 'log-tail' }, f.logTail) : '',
      ),
    ),
  );
}

function renderResources(p) {
  // a peak of 0 means nothing was measured yet
  const fmt = (v) => (!v ? '-' : String(Math.round(v)));
  document.querySelector('#resources tbody').replaceChildren(
    ...p.resources.map((r) => {
      const ratio = r.requestMemoryMB && r.peakMemoryMB ? r.peakMemoryMB / r.requestMemoryMB : null;
      return el(
        'tr',
        { 'data-label': r.label },
        el('td', {}, r.label),
        el('td', {}, r.jobs),
        el('td', {}, r.succeeded),
        el('td', {}, fmt(r.requestMemoryMB)),
        el('td', { 'data-col': 'peak' }, fmt(r.peakMemoryMB)),
        el('td', {}, fmt(r.medianPeakMemoryMB)),
        el(
          'td',
          { class: ratio && ratio > 1 ? 'warn' : '' },
          ratio === null ? '-' : `${(100 * ratio).toFixed(0)}%`,
        ),
        el('td', {}, r.suggestedRequestMemoryMB ?? '-'),
        el('td', { class: r.memoryKills ? 'warn' : '' }, r.memoryKills),
        el('td', {}, r.maxAttempts),
        el(
          'td',
          {},
          r.runTimeSec
            ? [r.runTimeSec.p50, r.runTimeSec.p90, r.runTimeSec.max]
                .map((v) => `${v.toFixed(1)}s`)
                .join(' / ')
            : '-',
        ),
      );
    }),
  );
}

const jobQuery = { state: '', label: '', q: '', offset: 0, limit: 50 };
let shownLog = null;

function jobsUrl() {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(jobQuery)) if (v !== '') u.set(k, String(v));
  return `/api/jobs?${u}`;
}

function renderJobs(p, labels) {
  const sel = $('jobs-label');
  const want = ['', ...labels];
  if ([...sel.options].map((o) => o.value).join('|') !== want.join('|'))
    sel.replaceChildren(...want.map((l) => el('option', { value: l }, l || 'all labels')));
  sel.value = jobQuery.label;
  document
    .querySelector('#jobs tbody')
    .replaceChildren(
      ...p.jobs.map((j) =>
        el(
          'tr',
          { 'data-job': j.id, class: j.id === shownLog ? 'selected' : '', title: 'show the log' },
          el('td', {}, j.id),
          el('td', {}, j.label),
          el('td', { class: `state-${j.state}` }, j.state),
          el('td', {}, j.attempt),
          el('td', {}, j.node || '-'),
          el('td', {}, j.startedAt && j.endedAt ? seconds((j.endedAt - j.startedAt) / 1000) : '-'),
          el('td', {}, j.peakMemoryMB ? `${Math.round(j.peakMemoryMB)} / ${Math.round(j.memoryMB)}` : '-'),
          el('td', {}, j.exitCode ?? '-'),
        ),
      ),
    );
  const last = Math.min(p.total, p.offset + p.jobs.length);
  $('jobs-note').textContent = p.total ? `${p.offset + 1}-${last} of ${p.total}` : 'no job matches';
  $('jobs-prev').disabled = p.offset === 0;
  $('jobs-next').disabled = last >= p.total;
}

async function showLog(id) {
  shownLog = id;
  const box = $('log-view');
  box.hidden = false;
  const p = await getJson(`/api/log?job=${encodeURIComponent(id)}&lines=300`).catch((e) => ({
    log: null,
    error: e,
  }));
  const l = p.log;
  $('log-title').textContent = l
    ? `${l.job} (${l.label}, ${l.state}): ${l.logPath || 'no log'}`
    : `${id}: no such job`;
  $('log-text').textContent = l ? l.tail || '(the log is empty or not written yet)' : '';
  for (const tr of document.querySelectorAll('#jobs tbody tr'))
    tr.classList.toggle('selected', tr.dataset.job === id);
}

function wireJobs() {
  $('jobs-state').addEventListener('change', (e) => {
    jobQuery.state = e.target.value;
    jobQuery.offset = 0;
    refresh().catch(() => {});
  });
  $('jobs-label').addEventListener('change', (e) => {
    jobQuery.label = e.target.value;
    jobQuery.offset = 0;
    refresh().catch(() => {});
  });
  $('jobs-q').addEventListener('input', (e) => {
    jobQuery.q = e.target.value.trim();
    jobQuery.offset = 0;
    refresh().catch(() => {});
  });
  $('jobs-prev').addEventListener('click', () => {
    jobQuery.offset = Math.max(0, jobQuery.offset - jobQuery.limit);
    refresh().catch(() => {});
  });
  $('jobs-next').addEventListener('click', () => {
    jobQuery.offset += jobQuery.limit;
    refresh().catch(() => {});
  });
  document.querySelector('#jobs tbody').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-job]');
    if (tr) showLog(tr.dataset.job);
  });
  $('gantt').addEventListener('click', (e) => {
    const bar = e.target.closest('.job[data-job]');
    if (bar) showLog(bar.dataset.job).then(() => $('log-view').scrollIntoView({ block: 'nearest' }));
  });
  $('log-close').addEventListener('click', () => {
    shownLog = null;
    $('log-view').hidden = true;
  });
  $('log-refresh').addEventListener('click', () => shownLog && showLog(shownLog));
  $('tl-older').addEventListener('click', () => {
    tlSkip += TL_PAGE;
    refresh().catch(() => {});
  });
  $('tl-newer').addEventListener('click', () => {
    tlSkip = Math.max(0, tlSkip - TL_PAGE);
    refresh().catch(() => {});
  });
}

let pollMs = 2000;
async function refresh() {
  const [status, timeline, failures, resources, jobs] = await Promise.all([
    getJson('/api/status'),
    getJson(`/api/timeline?skip=${tlSkip}&limit=${TL_PAGE}`),
    getJson('/api/failures'),
    getJson('/api/resources'),
    getJson(jobsUrl()),
  ]);
  renderStatus(status);
  renderTimeline(timeline);
  renderFailures(failures);
  renderResources(resources);
  renderJobs(jobs, status.status ? status.status.labels.map((l) => l.label) : []);
  $('updated').textContent = `· updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.updated = String(Date.now());
  return status.phase;
}

async function loop() {
  let phase = 'waiting';
  try {
    phase = await refresh();
  } catch (e) {
    $('updated').textContent = `· ${e.message}; retrying`;
  }
  // an ended run changes only when someone restores it: look less often
  setTimeout(loop, phase === 'running' || phase === 'waiting' ? pollMs : Math.max(pollMs, 10000));
}

wireJobs();
getJson('/api/config')
  .then((c) => {
    pollMs = c.pollMs || pollMs;
  })
  .catch(() => {})
  .finally(loop);
