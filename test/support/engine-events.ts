// The engine's own event stream (`GET /events` on its socket, nothing in between): the ground truth of
// what the engine did, for tests that must show a request reached it (an audit record for every create it
// saw) or never did (a refused request leaves no trace).

import { request as httpRequest, type ClientRequest } from 'node:http';

/** One event of the engine's stream, the fields the tests read. */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  timeNano: number;
}

const WAIT_TIMEOUT_MS = 15_000;

/**
 * A live subscription to some of the engine's events. Live, not `since`/`until` after the fact: dockerd
 * keeps only its last 256 events for replay, far fewer than a load test produces.
 */
export class EngineEvents {
  readonly events: EngineEvent[] = [];
  private request: ClientRequest | undefined;
  private error: Error | undefined;

  /** Subscribes to the events of these object types (`container`, `volume`, `image`, `network`, ...). */
  static async subscribe(socketPath: string, types: readonly string[] = ['container', 'volume']): Promise<EngineEvents> {
    const subscription = new EngineEvents();
    const filters = encodeURIComponent(JSON.stringify({ type: types }));
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ socketPath, path: `/v1.41/events?filters=${filters}` }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET /events on the engine answered ${res.statusCode}`));
          return;
        }
        let pending = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          pending += chunk;
          let newline: number;
          while ((newline = pending.indexOf('\n')) !== -1) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line !== '') subscription.events.push(JSON.parse(line) as EngineEvent);
          }
        });
        res.on('error', (error) => (subscription.error = error));
        res.on('close', () => (subscription.error ??= new Error('the engine ended the event stream')));
        resolve(); // dockerd flushes the headers as soon as the subscription is in place
      });
      req.on('error', (error) => {
        subscription.error = error;
        reject(error);
      });
      req.end();
      subscription.request = req;
    });
    return subscription;
  }

  /** Waits until an event satisfies `match`: events are delivered in order, so all earlier ones are in. */
  async waitFor(what: string, match: (event: EngineEvent) => boolean, timeoutMs = WAIT_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.events.some(match)) {
      if (this.error !== undefined) throw new Error(`the engine's event stream failed: ${this.error.message}`);
      if (Date.now() > deadline) throw new Error(`the engine's event stream did not deliver ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The events so far that satisfy `match`. */
  matching(match: (event: EngineEvent) => boolean): EngineEvent[] {
    return this.events.filter(match);
  }

  close(): void {
    this.request?.destroy();
  }
}

/** The container name an event names (`Actor.Attributes.name`), or '' when it names none. */
export function eventContainerName(event: EngineEvent): string {
  return event.Actor.Attributes?.['name'] ?? '';
}
