// Request ids: unique within a gateway's life and across restarts, cheap to make per request.
import { randomBytes } from 'node:crypto';

export class RequestIds {
  private readonly prefix = randomBytes(4).toString('hex');
  private counter = 0;

  next(): string {
    this.counter += 1;
    return `${this.prefix}-${this.counter.toString(36)}`;
  }
}
