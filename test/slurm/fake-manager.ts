/**
 * A bare TCP server that speaks the first lines of the pilot protocol (challenge, then reads the
 * worker's hello) and then does what a test says: a real manager's part done by hand, or an
 * impostor's. The worker under test is the real `quanta worker`.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { PROTOCOL_VERSION, encode } from '../../src/executors/pilot/protocol.js';
import type { HelloMessage } from '../../src/executors/pilot/protocol.js';

export interface FakeManager {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export const FAKE_MANAGER_NONCE = 'ab'.repeat(24);

export async function fakeManager(
  onHello: (sock: Socket, hello: HelloMessage, managerNonce: string) => void,
): Promise<FakeManager> {
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.write(
      encode({
        type: 'challenge',
        nonce: FAKE_MANAGER_NONCE,
        protocol: PROTOCOL_VERSION,
        managerId: 'f'.repeat(16),
      }),
    );
    let buf = '';
    const onData = (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      sock.off('data', onData);
      onHello(sock, JSON.parse(buf.slice(0, nl)) as HelloMessage, FAKE_MANAGER_NONCE);
    };
    sock.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `tcp://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
