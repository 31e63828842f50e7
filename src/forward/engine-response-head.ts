// Reads the head of an engine response (status line and headers) and how its body is framed.
// The forward path talks to the engine over raw pooled sockets rather than node:http's client, whose
// per-request machinery cost more than everything else the gateway does for a small read. The engine
// is Go's net/http, which frames every body by Content-Length or chunked encoding (or by closing the
// connection, for answers to HTTP/1.0 requests, which the gateway never sends). Anything else is not
// read leniently: the exchange fails with a 502 and the connection is not reused.

/** The largest response head accepted from the engine (Go's own limit for request heads is 1 MiB; engine heads are tiny). */
export const RESPONSE_HEAD_LIMIT = 64 * 1024;

export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'until-close' };

export interface ResponseHead {
  status: number;
  reason: string;
  /** Header names and values as sent, in order: [name, value, name, value, ...]. */
  rawHeaders: string[];
  framing: BodyFraming;
  /** Whether the connection may carry another request once this response is complete. */
  reusable: boolean;
}

export class EngineResponseError extends Error {}

const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
/** RFC 9110 token characters: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^\d{1,15}$/;
/** What node:http lets through in a header value or reason phrase (its checkInvalidHeaderChar). */
const FIELD_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Where the head ends in `buffer` (the index just past the blank line), or -1 if it has not all arrived. */
export function findHeadEnd(buffer: Buffer): number {
  const at = buffer.indexOf(HEAD_END);
  return at === -1 ? -1 : at + HEAD_END.length;
}

/** A header line, read and checked. */
interface HeaderLine {
  name: string;
  value: string;
  /** The name lower-cased, for the framing headers. */
  key: string;
}

/**
 * Header lines already read and checked. The engine sends the same lines answer after answer (Server,
 * Api-Version, Content-Type, ...): reading each once instead of for every response takes a fifth off
 * reading a head (1.9 -> 1.5 µs for a ping's). Bounded, and emptied when full (Date and Content-Length
 * lines take many values).
 */
const knownLines = new Map<string, HeaderLine>();
const KNOWN_LINES_LIMIT = 1024;

function headerLine(line: string): HeaderLine {
  let known = knownLines.get(line);
  if (known === undefined) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new EngineResponseError(`the engine sent a malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (!FIELD_TEXT.test(value)) throw new EngineResponseError(`the engine sent a control character in header ${name}`);
    known = { name, value, key: name.toLowerCase() };
    if (knownLines.size >= KNOWN_LINES_LIMIT) knownLines.clear();
    knownLines.set(line, known);
  }
  return known;
}

/**
 * Parses the head in `buffer[0, end)`, `end` as found by findHeadEnd. `bodiless` is true for answers to
 * HEAD requests, which announce a length but carry no body.
 */
export function parseResponseHead(buffer: Buffer, end: number, bodiless: boolean): ResponseHead {
  const lines = buffer.toString('latin1', 0, end - HEAD_END.length).split('\r\n');
  const statusLine = STATUS_LINE.exec(lines[0]!);
  if (statusLine === null) throw new EngineResponseError(`the engine sent a malformed status line ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const http10 = statusLine[1] === '0';
  const status = Number(statusLine[2]);
  if (!FIELD_TEXT.test(statusLine[3] ?? '')) throw new EngineResponseError('the engine sent a control character in its status line');
  const rawHeaders: string[] = [];
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  for (let i = 1; i < lines.length; i++) {
    const { name, value, key } = headerLine(lines[i]!);
    rawHeaders.push(name, value);
    switch (key) {
      case 'content-length':
        if (contentLength !== undefined && contentLength !== value) throw new EngineResponseError('the engine sent two different Content-Length headers');
        contentLength = value;
        break;
      case 'transfer-encoding':
        if (transferEncoding !== undefined) throw new EngineResponseError('the engine sent Transfer-Encoding twice');
        transferEncoding = value.toLowerCase();
        break;
      case 'connection':
        connection += `${value.toLowerCase()},`;
        break;
    }
  }
  if (transferEncoding !== undefined && (transferEncoding !== 'chunked' || contentLength !== undefined)) {
    throw new EngineResponseError(`the engine framed its answer as Transfer-Encoding ${transferEncoding}${contentLength !== undefined ? ' with a Content-Length' : ''}`);
  }
  if (contentLength !== undefined && !DIGITS.test(contentLength)) throw new EngineResponseError(`the engine sent Content-Length ${JSON.stringify(contentLength)}`);
  const closes = http10 || (connection !== '' && /(^|,)\s*close\s*(,|$)/.test(connection));
  let framing: BodyFraming;
  if (bodiless || status === 204 || status === 304 || (status >= 100 && status < 200)) framing = { kind: 'none' };
  else if (transferEncoding !== undefined) framing = { kind: 'chunked' };
  else if (contentLength !== undefined) framing = { kind: 'length', length: Number(contentLength) };
  else framing = { kind: 'until-close' };
  return { status, reason: statusLine[3] ?? '', rawHeaders, framing, reusable: !closes && framing.kind !== 'until-close' };
}
