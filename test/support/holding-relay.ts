// A relay between the gateway and the real engine that lets a test step into the gap between a judgement
// and the request it forwards: every byte passes through unchanged, except that bytes holding a request
// line the test names are held back until the test releases them. Meanwhile the test can change the
// engine's state (rename containers, re-tag images), exactly as a racing client would, but every time.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export interface HoldingRelay {
  /** The socket the gateway uses as its upstream. */
  readonly path: string;
  /** Resolves when a request whose request line matches was held back (once per `hold`). */
  hold(requestLine: RegExp): Promise<void>;
  /** Lets the held bytes through. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingRelay(engineSocket: string, dir: string): Promise<HoldingRelay> {
  const path = join(dir, 'holding-relay.sock');
  const sockets = new Set<Socket>();
  let pattern: RegExp | undefined;
  let onHeld: (() => void) | undefined;
  let releaseHeld: (() => void) | undefined;

  // Half-open both ways: a hijacked exec ends its input and goes on reading the output.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const engine = connect({ path: engineSocket, allowHalfOpen: true });
    sockets.add(client).add(engine);
    engine.pipe(client);
    client.on('data', (chunk: Buffer) => {
      const lines = chunk.toString('latin1').split('\r\n');
      if (pattern !== undefined && lines.some((line) => pattern!.test(line))) {
        pattern = undefined;
        client.pause();
        releaseHeld = () => {
          engine.write(chunk);
          client.resume();
        };
        onHeld?.();
        return;
      }
      engine.write(chunk);
    });
    client.on('end', () => engine.end());
    const close = (): void => {
      client.destroy();
      engine.destroy();
    };
    client.on('error', close);
    engine.on('error', close);
    client.on('close', () => sockets.delete(client));
    engine.on('close', () => sockets.delete(engine));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));

  return {
    path,
    hold(requestLine) {
      pattern = requestLine;
      return new Promise((resolve) => (onHeld = resolve));
    },
    release() {
      const release = releaseHeld;
      releaseHeld = undefined;
      release?.();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
