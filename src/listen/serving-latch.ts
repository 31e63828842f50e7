// Listeners are bound one after another, and with `serve --user` the privileges are dropped only once
// the last is bound (binding needs root). A client that connects to the first listener meanwhile must not
// be served by a process that is still root: its connection is accepted (so it does not see a refusal)
// and held, unread, until the gateway opens the latch, once it is ready to serve as what it will stay.
import type { Socket } from 'node:net';

interface HeldConnection {
  socket: Socket;
  serve: () => void;
}

export class ServingLatch {
  private state: 'holding' | 'open' | 'abandoned' = 'holding';
  private held: HeldConnection[] = [];

  /** Hands the connection on now if the latch is open, else when it opens; closes it if start-up failed. */
  admit(socket: Socket, serve: () => void): void {
    if (this.state === 'open') serve();
    else if (this.state === 'holding') this.held.push({ socket, serve });
    else socket.destroy();
  }

  /** From now on connections are served as they come; the ones held so far (and still open), in the order they came. */
  open(): void {
    this.state = 'open';
    for (const { socket, serve } of this.held.splice(0)) if (!socket.destroyed) serve();
  }

  /** The gateway will not serve (start-up failed): held connections are closed, and any that still come. */
  abandon(): void {
    this.state = 'abandoned';
    for (const { socket } of this.held.splice(0)) socket.destroy();
  }
}
