// HTTP over a target's unix socket for the scenarios autocannon cannot drive: one request at a time on a
// kept-alive connection, a request whose body is streamed, and an exec start hijacked into a raw stream.

import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

/** The three targets every scenario compares, and `node_floor` (support/node-floor.ts), which only ping loads. */
export type TargetName = 'direct' | 'dockgate' | 'haproxy' | 'node_floor';

export interface Target {
  name: TargetName;
  socketPath: string;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const REQUEST_TIMEOUT_MS = 120_000;

/** One connection per target, kept open between requests (as an SDK client or the CLI within one command does). */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

export interface RequestOptions {
  agent?: Agent | false;
  headers?: OutgoingHttpHeaders;
  /** The whole body, or a writer that streams it (and ends the request). */
  body?: Buffer | string | ((write: (chunk: Buffer) => Promise<void>) => Promise<void>);
  timeoutMs?: number;
}

export function httpRequest(target: Target, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: target.socketPath, method, path, agent: options.agent ?? false, headers: { Host: 'docker', ...options.headers }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${target.name}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    const body = options.body;
    if (typeof body === 'function') {
      const write = (chunk: Buffer): Promise<void> =>
        req.write(chunk)
          ? Promise.resolve()
          : new Promise((resolveDrain, rejectDrain) => {
              const onDrain = (): void => {
                req.off('error', onError);
                resolveDrain();
              };
              const onError = (error: Error): void => {
                req.off('drain', onDrain);
                rejectDrain(error);
              };
              req.once('drain', onDrain);
              req.once('error', onError);
            });
      body(write).then(
        () => req.end(),
        (error: unknown) => req.destroy(error as Error),
      );
    } else {
      req.end(body);
    }
  });
}

/** The answer as JSON, failing with the body when the status is not the one expected. */
export function expectJson<T>(answer: Answer, status: number, what: string): T {
  if (answer.status !== status) throw new Error(`${what}: status ${answer.status} (expected ${status}): ${answer.body.toString('utf8').slice(0, 500)}`);
  return (answer.body.length === 0 ? undefined : JSON.parse(answer.body.toString('utf8'))) as T;
}

/**
 * Sends `head` + `body` on a fresh connection and waits for a `101` answer (the exec start of `docker exec -i`,
 * asked with `Connection: Upgrade` and `Upgrade: tcp`), or the engine's `200` raw stream. Resolves with the
 * socket, any stream bytes that came with the answer's head, and which of the two it was.
 */
export function hijack(target: Target, method: string, path: string, json: unknown, timeoutMs = 30_000): Promise<{ socket: Socket; rest: Buffer; upgraded: boolean }> {
  const body = Buffer.from(JSON.stringify(json));
  const head = `${method} ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` + `Content-Length: ${body.length}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect({ path: target.socketPath, allowHalfOpen: true });
    socket.setNoDelay(true);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`${method} ${path} on ${target.name}: no 101 within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onEnd = (): void => fail(new Error(`${method} ${path} on ${target.name}: connection closed before a 101`));
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('end', onEnd);
      clearTimeout(timer);
      const responseHead = received.subarray(0, end).toString('latin1');
      // 101 as asked; or 200 with the raw stream, the engine's hijack when the Upgrade header did not reach
      // it (HAProxy drops Upgrade from requests that carry a body, as exec start does), which clients accept.
      const upgraded = /^HTTP\/1\.[01] 101 /.test(responseHead);
      const legacy = /^HTTP\/1\.[01] 200 /.test(responseHead) && /^content-type: *application\/vnd\.docker\.raw-stream/im.test(responseHead);
      if (!upgraded && !legacy) {
        fail(new Error(`${method} ${path} on ${target.name}: ${received.toString('latin1').slice(0, 500)}`));
        return;
      }
      resolve({ socket, rest: received.subarray(end + 4), upgraded });
    };
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('end', onEnd);
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}
