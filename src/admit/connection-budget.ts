// The total of open connections across every listener (--max-connections): each accepted connection is
// counted until it closes, hijacked streams included. One counter and one shared close handler: nothing
// is allocated per connection.
import type { Socket } from 'node:net';

export class ConnectionBudget {
  #open = 0;
  readonly #closed = (): void => {
    this.#open -= 1;
  };

  constructor(readonly max: number) {}

  /** Counts `socket` until it closes; false (and not counted) when `max` connections are already open. */
  take(socket: Socket): boolean {
    if (this.#open >= this.max) return false;
    this.#open += 1;
    socket.once('close', this.#closed);
    return true;
  }

  get open(): number {
    return this.#open;
  }
}
