/**
 * DNS rebinding: a web page whose own name resolves to 127.0.0.1 must not read the loopback
 * dashboard (log tails) from the user's browser. The server answers only requests whose `Host:`
 * is one of its own names, and never sends CORS headers.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedHostNames, startDashboard, type Dashboard } from '../../src/monitor/server.js';
import { runToEnd } from './fixture.js';

/** One raw HTTP/1.1 request with the given Host header; the status code, headers and body. */
function rawGet(
  port: number,
  path: string,
  host: string | undefined,
): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => (data += c));
    sock.on('error', reject);
    sock.on('end', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), head: head.toLowerCase(), body: rest.join('\r\n\r\n') });
    });
    const hostLine = host === undefined ? '' : `Host: ${host}\r\n`;
    sock.write(`GET ${path} HTTP/1.1\r\n${hostLine}Origin: http://evil.example\r\nConnection: close\r\n\r\n`);
  });
}

let submitDir: string;
let d: Dashboard;

beforeAll(async () => {
  submitDir = runToEnd('dash-host').submitDir;
  d = await startDashboard({ submitDir, port: 0 });
}, 120_000);
afterAll(() => d?.close());

describe('the dashboard and the Host header', () => {
  it('refuses a request addressed to another host name (421), the log tail included', async () => {
    for (const path of ['/api/status', '/api/failures', '/api/log?job=calibrate.2', '/']) {
      const r = await rawGet(d.port, path, `evil.example:${d.port}`);
      expect(r.status, path).toBe(421);
      expect(r.body).not.toContain(submitDir);
      expect(r.head).not.toContain('access-control-allow-origin');
    }
  });

  it('answers the loopback names, on any port (an SSH tunnel), without CORS headers', async () => {
    for (const host of [
      `127.0.0.1:${d.port}`,
      `localhost:${d.port}`,
      `[::1]:${d.port}`,
      'localhost:9000',
      'LOCALHOST.',
    ]) {
      const r = await rawGet(d.port, '/api/status', host);
      expect(r.status, host).toBe(200);
      expect(r.body).toContain('"phase"');
      expect(r.head).not.toContain('access-control-allow-origin');
    }
  });

  it('answers the address it listens on and the names it is given', () => {
    const names = allowedHostNames('10.1.2.3', ['node01.cluster.example']);
    expect(names.has('10.1.2.3')).toBe(true);
    expect(names.has('node01.cluster.example')).toBe(true);
    expect(names.has('evil.example')).toBe(false);
    expect(allowedHostNames('127.0.0.1').has('evil.example')).toBe(false);
  });
});
