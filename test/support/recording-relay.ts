// A relay in front of the real engine that keeps what a client sent: every request passes to the engine's
// socket unchanged and its answer back unchanged, and the method, target and body of the requests the
// test names are kept, so a test can compare what a real client (docker-compose) sent with what dockgate
// expected it to send. Plain HTTP only: it is for clients that do not attach or hijack.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Endpoint } from './endpoint.js';

export interface RecordedRequest {
  method: string;
  /** The request target as sent: `/v1.41/containers/create?name=app_web_1`. */
  path: string;
  body: unknown;
}

export interface RecordingRelay {
  endpoint: Endpoint;
  /** The requests whose target matched, in the order they arrived. */
  readonly recorded: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a relay on a socket in `dir` to the engine at `engineSocket`, keeping requests whose target matches `keep`. */
export async function startRecordingRelay(engineSocket: string, dir: string, keep: RegExp): Promise<RecordingRelay> {
  const path = join(dir, 'recording-relay.sock');
  const recorded: RecordedRequest[] = [];
  const relay = (client: IncomingMessage, answer: ServerResponse): void => {
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = client.url ?? '/';
      if (keep.test(target)) recorded.push({ method: client.method ?? '', path: target, body: body.length > 0 ? (JSON.parse(body.toString('utf8')) as unknown) : undefined });
      const headers = { ...client.headers };
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
      const upstream = request({ socketPath: engineSocket, method: client.method, path: target, headers }, (engine) => {
        answer.writeHead(engine.statusCode ?? 502, engine.headers);
        engine.pipe(answer);
      });
      upstream.on('error', (error) => answer.destroy(error));
      upstream.end(body);
    });
  };
  const server: Server = createServer(relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    endpoint: { name: 'recording-relay', host: `unix://${path}` },
    recorded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
