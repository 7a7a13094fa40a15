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

function renderStatus(p) {
  document.body.dataset.phase = p.phase;
  $('phase').textContent = p.phase === 'waiting' ? 'waiting for the run to start' : p.phase;
  $('phase').className = `phase ${p.phase}`;
  $('submit-dir').textContent = p.submitDir || '';
  const s = p.status;
  if (!s) return;
  $('run-name').textContent = s.name ? `· ${s.name}` : '';
  document.title = `quanta · ${s.name || p.submitDir}`;
  const t = s.totals;
  const done = t.succeeded + t.failed + t.blocked + t.cancelled;
  $('overall-fill').style.width = `${(100 * s.progress).toFixed(1)}%`;
  $('kpi-done').textContent = `${done} / ${t.total}`;
  $('kpi-progress').textContent = `${(100 * s.progress).toFixed(1)}%`;
  $('kpi-running').textContent = String(t.running);
  $('kpi-failed').textContent = `${t.failed} / ${t.blocked}`;
  $('kpi-failed').className = `v${t.failed ? ' warn' : ''}`;
  const e = p.eta;
  $('kpi-rate').textContent =
    e && e.perMinute > 0 ? `${e.perMinute.toFixed(e.perMinute >= 10 ? 0 : 1)}/min` : '-';
  $('kpi-eta').textContent =
    p.phase === 'running' && e && e.etaSec !== null
      ? duration(e.etaSec)
      : p.phase === 'finished'
        ? 'done'
        : '-';
  $('kpi-elapsed').textContent = e && e.startedAt ? duration((p.now - e.startedAt) / 1000) : '-';
  $('manager').textContent = s.manager
    ? `manager: pid ${s.manager.pid} on ${s.manager.host} since ${new Date(s.manager.since).toLocaleString()}`
    : 'manager: none (the run is not being driven; quanta restore continues it)';

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
function lineChart(key, target, title, nodes, values, times, capacity) {
  const series = [{}];
  const data = [times];
  nodes.forEach((n, i) => {
    series.push({
      label: n.node,
      stroke: PALETTE[i % PALETTE.length],
      width: 2,
      fill: `${PALETTE[i % PALETTE.length]}22`,
      paths: uPlot.paths.stepped({ align: 1 }),
      points: { show: false },
    });
    data.push(values(n));
  });
  if (capacity) {
    nodes.forEach((n, i) => {
      if (!n.capacityMB) return;
      series.push({
        label: `${n.node} capacity`,
        stroke: PALETTE[i % PALETTE.length],
        dash: [6, 4],
        width: 1,
        points: { show: false },
      });
      data.push(times.map(() => n.capacityMB));
    });
  }
  const sig = series.map((s) => s.label).join('|');
  const width = Math.max(300, target.clientWidth || 500);
  if (!charts[key] || charts[key].sig !== sig) {
    if (charts[key]) charts[key].plot.destroy();
    target.replaceChildren();
    const plot = new uPlot(
      {
        width,
        height: 220,
        series,
        scales: { x: { time: true } },
        axes: [{}, { size: 60 }],
        legend: { live: false },
        title: undefined,
      },
      data,
      target,
    );
    charts[key] = { plot, sig };
  } else charts[key].plot.setData(data);
  target.setAttribute('data-title', title);
}

function renderGantt(tl) {
  const box = $('gantt');
  if (!tl || tl.t0 === null) {
    box.replaceChildren(el('p', { class: 'muted', style: { margin: '6px' } }, 'no job has started yet'));
    return;
  }
  const t0 = tl.intervals.length ? tl.intervals[0].start : tl.t0;
  const t1 = Math.max(tl.t1, t0 + 1);
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
          return el('div', {
            class: cls,
            title: `${iv.job} (${iv.label}) attempt ${iv.attempt}, ${iv.memoryMB} MB, ${duration((end - iv.start) / 1000)}${iv.next ? ` -> ${iv.next}` : ' (running)'}`,
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
  box.replaceChildren(legend, ...rows);
  $('timeline-note').textContent =
    tl.totalIntervals > tl.intervals.length
      ? `(the last ${tl.intervals.length} of ${tl.totalIntervals} attempts)`
      : `(${tl.totalIntervals} attempts)`;
}

function renderTimeline(p) {
  const tl = p.timeline;
  renderGantt(tl);
  if (!tl || !tl.series.times.length) return;
  const { times, nodes } = tl.series;
  lineChart('running', $('chart-running'), 'running jobs per node', nodes, (n) => n.running, times, false);
  lineChart(
    'memory',
    $('chart-memory'),
    'memory reserved per node (MB)',
    nodes,
    (n) => n.memoryMB,
    times,
    true,
  );
}

function renderFailures(p) {
  const box = $('failures');
  $('failure-count').textContent = p.failures.length ? `(${p.failures.length})` : '';
  if (!p.failures.length) {
    box.replaceChildren(el('p', { class: 'muted' }, 'no failed jobs'));
    return;
  }
  box.replaceChildren(
    ...p.failures.map((f) =>
      el(
        'div',
        { class: 'failure', 'data-job': f.id },
        el(
          'div',
          {},
          el('strong', {}, f.id),
          ` (${f.label}) failed after ${f.attempt} attempt(s): `,
          f.message || f.outcome || 'failed',
        ),
        el(
          'div',
          { class: 'muted' },
          [
            f.exitCode !== null ? `exit code ${f.exitCode}` : '',
            f.signal ? `signal ${f.signal}` : '',
            f.peakMemoryMB ? `peak ${Math.round(f.peakMemoryMB)} MB of ${f.memoryMB} MB` : '',
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
        el('td', {}, r.suggestedRequestMemoryMB),
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

let pollMs = 2000;
async function refresh() {
  const [status, timeline, failures, resources] = await Promise.all([
    getJson('/api/status'),
    getJson('/api/timeline'),
    getJson('/api/failures'),
    getJson('/api/resources'),
  ]);
  renderStatus(status);
  renderTimeline(timeline);
  renderFailures(failures);
  renderResources(resources);
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

getJson('/api/config')
  .then((c) => {
    pollMs = c.pollMs || pollMs;
  })
  .catch(() => {})
  .finally(loop);
