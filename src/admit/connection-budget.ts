// The total of open connections across every listener (--max-connections): each accepted connection is
// counted until it closes, hijacked streams included. One counter and one shared close handler: nothing
// is allocated per connection.
import type { Socket } from 'node:net';

export class ConnectionBudget {
  private openCount = 0;
  private readonly closed = (): void => {
    this.openCount -= 1;
  };

  constructor(readonly max: number) {}

  /** Counts `socket` until it closes; false (and not counted) when `max` connections are already open. */
  take(socket: Socket): boolean {
    if (this.openCount >= this.max) return false;
    this.openCount += 1;
    socket.once('close', this.closed);
    return true;
  }

  get open(): number {
    return this.openCount;
  }
}
