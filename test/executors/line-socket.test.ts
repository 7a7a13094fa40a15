/** The pilot's JSON-lines framing over a real TCP connection on this machine. */
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSocket } from '../../src/executors/pilot/line-socket.js';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

/** A connected pair: our LineSocket on the client side, every line the server side receives. */
async function pair() {
  const received: string[] = [];
  const gotPeer = new Promise<void>((resolve) => {
    server = createServer((s) => {
      sockets.push(s);
      s.setEncoding('utf8');
      let buf = '';
      s.on('data', (d: string) => {
        buf += d;
        const parts = buf.split('\n');
        buf = parts.pop() as string;
        received.push(...parts);
      });
      resolve();
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const port = (server?.address() as { port: number }).port;
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  await gotPeer;
  const writes: string[] = [];
  const write = socket.write.bind(socket) as (chunk: string) => boolean;
  // count what reaches the socket: one write per turn of the event loop is the point
  socket.write = ((chunk: string) => {
    writes.push(chunk);
    return write(chunk);
  }) as typeof socket.write;
  const closed: string[] = [];
  const ls = new LineSocket(socket, 1 << 20, { line: () => undefined, close: (r) => closed.push(r) });
  return { ls, received, writes, closed };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('LineSocket', () => {
  it('writes the lines sent in one turn of the event loop in one write, in order', async () => {
    const { ls, received, writes } = await pair();
    for (let i = 0; i < 5; i++) ls.send(`{"n":${i}}\n`);
    await until(() => received.length === 5);
    expect(received).toEqual([0, 1, 2, 3, 4].map((i) => `{"n":${i}}`));
    expect(writes).toHaveLength(1);
    ls.send('{"n":5}\n');
    await until(() => received.length === 6);
    expect(writes).toHaveLength(2);
  });

  it('sends what is queued before the last line when it closes', async () => {
    const { ls, received, closed } = await pair();
    ls.send('{"a":1}\n');
    ls.close('done', '{"bye":true}\n');
    await until(() => received.length === 2);
    expect(received).toEqual(['{"a":1}', '{"bye":true}']);
    expect(closed).toEqual(['done']);
  });
});
