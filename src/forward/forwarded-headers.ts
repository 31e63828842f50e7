// Which headers cross the gateway. Requests carry only the headers the engine reads, with the values that
// were judged (src/route/engine-headers.ts: the first line of each, in visible ASCII); anything else was
// not judged, so it is not forwarded. Responses lose only hop-by-hop headers, since the gateway frames its
// side of each connection itself.
import type { OutgoingHttpHeaders } from 'node:http';
import { ENGINE_REQUEST_HEADERS, type EngineHeaders } from '../route/engine-headers.js';

export function upstreamRequestHeaders(judged: EngineHeaders, bodyLength: number | 'stream' | 0): OutgoingHttpHeaders {
  const out: Record<string, string | number> = {};
  for (const name of ENGINE_REQUEST_HEADERS) {
    const value = judged[name];
    if (value !== undefined) out[name] = value;
  }
  // A body of unknown length goes out chunked, and says so: node:http frames a body it has no length for
  // as chunked only for methods that usually carry one. A GET or DELETE body would otherwise go out raw,
  // unframed, and the engine would read it as the next request on the connection: a request nobody judged.
  if (typeof bodyLength === 'number') out['content-length'] = bodyLength;
  else out['transfer-encoding'] = 'chunked';
  return out;
}

/**
 * The same request head as text, for the raw pooled connections of the forward path: request line, the
 * judged headers and the body's framing, always explicit. Header values are visible ASCII and tabs
 * (engine-headers.ts), so they cannot break the head apart.
 */
export function upstreamRequestHead(method: string, path: string, judged: EngineHeaders, bodyLength: number | 'stream'): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n`;
  for (const name of ENGINE_REQUEST_HEADERS) {
    const value = judged[name];
    if (value !== undefined) head += `${name}: ${value}\r\n`;
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
