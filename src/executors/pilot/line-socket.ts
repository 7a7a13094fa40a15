/**
 * JSON-lines framing over a TCP socket: splits incoming bytes into lines (bounded, so a peer
 * cannot make us buffer without end), writes lines, and remembers when the peer last spoke
 * (heartbeat bookkeeping for both ends of the pilot protocol). Lines sent in the same turn of the
 * event loop go out in one write (one syscall, one TCP segment): a manager dispatching a tick's
 * jobs, or a worker reporting the results that arrived together, pays for one write, not one per
 * message.
 */
import type { Socket } from 'node:net';

export interface LineSocketHandlers {
  line(text: string): void;
  /** the socket is closed for whatever reason; called exactly once */
  close(reason: string): void;
}

export class LineSocket {
  private buf = '';
  private closed = false;
  /** lines sent this turn, written together by `flushOut` */
  private out: string[] = [];
  /** epoch ms of the last bytes received */
  lastHeard = Date.now();
  maxLineBytes: number;

  constructor(
    readonly socket: Socket,
    maxLineBytes: number,
    private readonly handlers: LineSocketHandlers,
  ) {
    this.maxLineBytes = maxLineBytes;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (e) => this.finish(`socket error: ${e.message}`));
    socket.on('close', () => this.finish('connection closed'));
    socket.on('end', () => socket.end());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queue a line (ending in a newline); it is written with the others of this turn. */
  send(line: string): boolean {
    if (this.closed || this.socket.destroyed) return false;
    if (this.out.push(line) === 1) setImmediate(() => this.flushOut());
    return true;
  }

  private flushOut(): void {
    if (this.out.length === 0) return;
    const text = this.out.length === 1 ? this.out[0] : this.out.join('');
    this.out = [];
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(text);
  }

  /** Send what is queued and a last line (if any), then close; the close handler gets `reason`. */
  close(reason: string, lastLine?: string): void {
    if (this.closed) return;
    this.flushOut();
    if (lastLine && !this.socket.destroyed) this.socket.end(lastLine);
    else this.socket.end();
    this.finish(reason);
    // a peer that never reads must not keep the socket open
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Drop the connection at once (no last words). */
  destroy(reason: string): void {
    this.out = [];
    this.socket.destroy();
    this.finish(reason);
  }

  private onData(chunk: string): void {
    if (this.closed) return;
    this.lastHeard = Date.now();
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.trim()) this.handlers.line(line);
      if (this.closed) return;
    }
    if (this.buf.length > this.maxLineBytes) this.destroy(`line longer than ${this.maxLineBytes} bytes`);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.close(reason);
  }
}
