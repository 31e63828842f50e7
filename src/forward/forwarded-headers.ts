// Which headers cross the gateway. Requests carry only the headers the engine reads, with the values that
// were judged (src/route/engine-headers.ts: the first line of each, in visible ASCII); anything else was
// not judged, so it is not forwarded. Responses lose only hop-by-hop headers, since the gateway frames its
// side of each connection itself.
import { ENGINE_REQUEST_HEADERS, type EngineHeaders } from '../route/engine-headers.js';

/** What an upgrade request adds to its head: the protocol asked for, and the route's own headers (BuildKit's session). */
export interface UpgradeRequest {
  protocol: string;
  /** Lower-case names, each with its lines' values in order. */
  headers: Readonly<Record<string, readonly string[]>>;
}

/**
 * The request head every exchange with the engine starts with (forwarded requests, hijacks, look-ups): the
 * request line, the judged headers and the body's framing, always explicit. A body of unknown length goes out
 * chunked, and says so: a GET or DELETE body sent unframed would be read by the engine as the next request
 * on the connection, one nobody judged. Header values are visible ASCII and tabs (engine-headers.ts), so
 * they cannot break the head apart.
 */
export function upstreamRequestHead(method: string, path: string, judged: EngineHeaders, bodyLength: number | 'stream', upgrade?: UpgradeRequest): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n`;
  for (const name of ENGINE_REQUEST_HEADERS) {
    const value = judged[name];
    if (value !== undefined) head += `${name}: ${value}\r\n`;
  }
  if (upgrade !== undefined) {
    for (const [name, values] of Object.entries(upgrade.headers)) for (const value of values) head += `${name}: ${value}\r\n`;
    head += `connection: Upgrade\r\nupgrade: ${upgrade.protocol}\r\n`;
  }
  head += typeof bodyLength === 'number' ? `content-length: ${bodyLength}\r\n\r\n` : 'transfer-encoding: chunked\r\n\r\n';
  return head;
}

/**
 * The headers BuildKit's session endpoint reads (moby's session manager): who the session is, and one
 * header line per gRPC method the client serves (files, secrets, ssh); Go reads repeated lines as a list,
 * so each line goes out as it came (their values were checked by engine-headers.ts).
 */
const SESSION_HEADER = /^x-docker-expose-session-(uuid|name|sharedkey|grpc-method)$/i;

export function sessionRequestHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    if (!SESSION_HEADER.test(name)) continue;
    (out[name.toLowerCase()] ??= []).push(value);
  }
  return out;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

/** The engine's response headers as a flat [name, value, ...] list, in their order and spelling, minus hop-by-hop ones. */
export function downstreamResponseHeaders(rawHeaders: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1]!);
  }
  return out;
}
