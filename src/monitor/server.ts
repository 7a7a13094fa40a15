/**
 * The dashboard server: the static page (src/monitor/static, copied to dist/ by the build), uPlot
 * from node_modules (no CDN: compute nodes have no internet) and the JSON API of api.ts.
 *
 * @example
 * ```ts
 * const d = await startDashboard({ submitDir: 'submit/u/me/run' });
 * console.log(d.url); // http://127.0.0.1:41234/
 * await d.close();
 * ```
 */
import { existsSync, mkdirSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { UsageError } from '../errors.js';
import { ensureToken } from '../executors/pilot/auth.js';
import { RunApi } from './api.js';
import { isLoopback, tokenGuard } from './auth.js';

export interface DashboardOptions {
  /** the run to show */
  submitDir?: string;
  /** or a function finding it, for a run that has not started yet (undefined until then) */
  findSubmitDir?: () => string | undefined;
  /** default 127.0.0.1; any non-loopback address requires the run's token */
  host?: string;
  /** default 0: a free port */
  port?: number;
  /**
   * false: the server never keeps the process alive (a run's own dashboard), and close() drops
   * open connections at once. Default true (`quanta dashboard`).
   */
  keepAlive?: boolean;
  /** how often the page polls the API (ms, default 2000) */
  pollMs?: number;
  /** more host names the page may be reached by (a DNS alias of the node); see allowedHostNames */
  allowedHosts?: string[];
}

export interface Dashboard {
  app: FastifyInstance;
  /** the URL to open: with `?token=` when a token is needed */
  url: string;
  host: string;
  port: number;
  tokenRequired: boolean;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The uPlot dist folder (its iife build and css are served under /vendor/uplot/). */
function uplotDir(): string {
  return dirname(createRequire(import.meta.url).resolve('uplot'));
}

function listeningPort(app: FastifyInstance): number | undefined {
  const addr = app.server.listening ? app.server.address() : null;
  return typeof addr === 'object' && addr ? addr.port : undefined;
}

/** A query parameter as a number; undefined when absent or not a number. */
function num(v: string | undefined): number | undefined {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The host names a request's `Host:` header may carry, so that a web page that rebinds its own
 * DNS name to 127.0.0.1 cannot read the dashboard (log tails, paths) from the user's browser:
 * the loopback names, the address listened on, and for another address than loopback the
 * machine's name and its addresses. Any port: an SSH tunnel (`ssh -L 9000:node01:8422`) arrives
 * as `localhost:9000`.
 */
export function allowedHostNames(listenHost: string, extra: string[] = []): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extra.map(normalHost)]);
  names.add(normalHost(listenHost));
  if (!isLoopback(listenHost)) {
    const h = hostname().toLowerCase();
    names.add(h).add(h.split('.')[0]);
    for (const addrs of Object.values(networkInterfaces()))
      for (const a of addrs ?? []) names.add(normalHost(a.address));
  }
  return names;
}

/** `[::1]:8080` -> `::1`, `Node01.:80` -> `node01`: the name without port, brackets, case or final dot. */
function normalHost(h: string): string {
  let name = h.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') > 0 ? name.indexOf(']') : undefined);
  else if (name.split(':').length === 2) name = name.split(':')[0];
  return name.replace(/\.$/, '');
}

/** The Fastify app without listening (tests drive it with `inject`). */
export async function buildDashboardApp(o: DashboardOptions & { token?: string }): Promise<FastifyInstance> {
  const locate = o.findSubmitDir ?? (() => o.submitDir);
  const api = new RunApi(locate);
  const app = Fastify({ logger: false, forceCloseConnections: o.keepAlive === false ? true : 'idle' });
  // the cookie name carries the port: two dashboards on one host must not overwrite each other's
  const cookieName = () => `quanta_token_${listeningPort(app) ?? o.port ?? 0}`;
  // DNS rebinding: answer only requests addressed to this server by one of its own names
  const listen = o.host ?? '127.0.0.1';
  const hosts = allowedHostNames(listen, o.allowedHosts);
  const short = hostname().toLowerCase().split('.')[0];
  // off loopback the token guards every request too; any domain of this node's name will do
  const hostAllowed = (n: string): boolean =>
    hosts.has(n) || (!isLoopback(listen) && n.split('.')[0] === short);
  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers.host;
    if (h !== undefined && !hostAllowed(normalHost(h))) {
      return reply
        .code(421)
        .header('content-type', 'text/plain; charset=utf-8')
        .send(
          `this dashboard does not answer to the host name '${normalHost(h)}'; open it as http://127.0.0.1:PORT/ (or the address quanta printed)\n`,
        );
    }
  });
  if (o.token) app.addHook('onRequest', tokenGuard(o.token, cookieName));
  app.addHook('onSend', async (_req, reply) => {
    // the page is live data: never cached; and it never embeds in another site's frame
    reply.header('cache-control', 'no-store').header('x-frame-options', 'DENY');
  });
  await app.register(fastifyStatic, { root: join(here, 'static'), prefix: '/', index: 'index.html' });
  await app.register(fastifyStatic, {
    root: uplotDir(),
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: (path) => /^\/?uPlot\.(iife\.min\.js|min\.css)$/.test(path),
  });
  app.get('/api/config', async () => ({ pollMs: o.pollMs ?? 2000, submitDir: locate() ?? null }));
  app.get('/api/status', async () => api.status());
  app.get('/api/timeline', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return api.timelineNow(Date.now(), { skip: num(q.skip), limit: num(q.limit) });
  });
  app.get('/api/failures', async () => api.failures());
  app.get('/api/jobs', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return api.jobs({ state: q.state, label: q.label, q: q.q, offset: num(q.offset), limit: num(q.limit) });
  });
  app.get('/api/log', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const out = api.log(q.job ?? '', num(q.lines));
    if (!out.log && out.phase !== 'waiting') reply.code(404);
    return out;
  });
  app.get('/api/resources', async () => api.resources());
  return app;
}

/** Start the dashboard and listen; the URL to print is `url`. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('BAD_OPTION', `--port must be an integer from 0 to 65535, got '${o.port}'`, {
      key: '--port',
    });
  let token: string | undefined;
  if (!isLoopback(host)) {
    if (!o.submitDir) {
      throw new UsageError(
        'DASHBOARD_HOST',
        `the dashboard can listen on ${host} only for a known submit directory (its token guards it)`,
        { key: '--host' },
      );
    }
    if (!existsSync(o.submitDir)) mkdirSync(o.submitDir, { recursive: true });
    token = ensureToken(o.submitDir);
  }
  const app = await buildDashboardApp({ ...o, port, token });
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL')
      throw new UsageError(
        'DASHBOARD_LISTEN',
        `the dashboard cannot listen on ${host}:${port} (${err.code}); pick another --port or --host`,
        { key: '--port' },
      );
    throw e;
  }
  if (o.keepAlive === false) app.server.unref();
  const actual = listeningPort(app) ?? port;
  const shown = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${actual}/${token ? `?token=${token}` : ''}`;
  return { app, url, host, port: actual, tokenRequired: !!token, close: () => app.close() };
}
