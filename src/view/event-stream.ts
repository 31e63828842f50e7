// The live view's server-sent events: one text/event-stream answer per open page. Each event is written to
// every open stream as it comes; a stream whose socket does not take it (a page in a background tab on a
// slow link, a client that stopped reading) is dropped once what waits for it passes a bound, never
// buffered without one. The page's EventSource reconnects by itself and asks, with Last-Event-ID, for what
// it missed, which the feed's ring still holds if it was not long.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface EventStreamLimits {
  /** Streams open at once; more are answered 503 (the admin server allows 64 connections in all). */
  maxStreams: number;
  /** Bytes that may wait in a stream's socket before the stream is dropped. */
  maxWaitingBytes: number;
  /** A comment line sent this often keeps proxies and the browser from timing an idle stream out. */
  keepAliveMs: number;
}

export const DEFAULT_EVENT_STREAM_LIMITS: EventStreamLimits = { maxStreams: 8, maxWaitingBytes: 1 << 20, keepAliveMs: 15_000 };

/** One event as the stream carries it: `data` is one line of JSON (JSON has no raw line breaks). */
export function serverSentEvent(event: string, data: string, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;
}

export class EventStreams {
  private readonly open = new Set<ServerResponse>();
  private keepAlive: NodeJS.Timeout | undefined;
  /** Streams dropped for falling behind, since start. */
  dropped = 0;

  constructor(
    private readonly limits: EventStreamLimits,
    /** Told when the first stream opens and when the last one closes: the view watches the feed only in between. */
    private readonly onWatched: (watched: boolean) => void,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Answers `req` with an event stream that starts with `backlog`; false (nothing sent) when too many are open. */
  accept(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>, backlog: string): boolean {
    if (this.open.size >= this.limits.maxStreams) return false;
    res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    this.open.add(res);
    const close = (): void => {
      if (!this.open.delete(res)) return;
      if (this.open.size === 0) {
        clearInterval(this.keepAlive);
        this.keepAlive = undefined;
        this.onWatched(false);
      }
    };
    req.socket.once('close', close);
    res.once('close', close);
    if (this.open.size === 1) {
      this.keepAlive = setInterval(() => this.send(':\n\n'), this.limits.keepAliveMs).unref();
      this.onWatched(true);
    }
    this.write(res, `retry: 2000\n\n${backlog}`);
    return true;
  }

  /** Writes `text` (whole events) to every open stream, dropping those that fall behind. */
  send(text: string): void {
    for (const res of this.open) this.write(res, text);
  }

  /** Ends every stream (the listener is closing). */
  closeAll(): void {
    for (const res of [...this.open]) res.destroy();
  }

  private write(res: ServerResponse, text: string): void {
    if (res.destroyed) return;
    res.write(text);
    if (res.writableLength > this.limits.maxWaitingBytes) {
      this.dropped++;
      res.destroy();
    }
  }
}
