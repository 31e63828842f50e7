// HTTP framing attacks (issue 7), written byte for byte on the gateway's unix listener. Each request of
// the corpus carries, somewhere a desynchronised parser could mistake for a request of its own, a
// "smuggled" request that creates a volume named after the case. Every attack must be refused (by
// dockgate, 4xx with `Dockgate-Decision: deny` and a Docker-style JSON message, whether its pipeline
// refused the request or Node's HTTP parser refused the bytes before a request existed: which one is
// recorded per case below) or judged (parsed as a request of its own, decided by the policy and recorded),
// and never forwarded unjudged. After every case the gateway still answers GET /_ping.
//
// Two gateways in front of one engine run the whole corpus:
// - `read-only`: every state change is refused once judged, so the engine's event stream must stay empty
//   of creates for the whole corpus: any create it shows was forwarded without judgement.
// - `audit`: judged requests are forwarded, so a smuggled create may reach the engine, but only as a
//   judged request: every create the engine shows names a volume whose create has an `allow` record.
// On both, every answer the gateway gave itself or relayed from the engine has a `done` record (it was
// judged); what the parser refused before a request existed has a `connection` record instead.

import assert from 'node:assert/strict';
import { before, describe, test, type TestContext } from 'node:test';
import { statSync } from 'node:fs';
import { readAuditTrail, waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { EngineEvents } from '../support/engine-events.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { apiRequest, pingStatus, sendRaw, type ReceivedBytes } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;
/** How long a connection the gateway keeps open (keep-alive) is watched before the case is read. */
const SETTLE_MS = 1_500;

// ---------------------------------------------------------------------------------------------------
// Reading every response on a connection

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/**
 * Splits what a connection received into responses: interim 100s, responses framed by Content-Length or
 * chunked encoding, a 101 after which everything is the hijacked stream (returned as the last body), and a
 * last response read to the end of the connection.
 */
function parseResponses(bytes: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end === -1) throw new Error(`incomplete response head: ${JSON.stringify(bytes.subarray(at).toString('latin1'))}`);
    const [statusLine = '', ...lines] = bytes.subarray(at, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (match === null) throw new Error(`not a status line: ${JSON.stringify(statusLine)} in ${JSON.stringify(bytes.toString('latin1'))}`);
    const headers = new Map<string, string>();
    for (const line of lines) headers.set(line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim());
    const status = Number(match[1]);
    at = end + 4;
    let body: Buffer;
    if (status === 100) {
      body = Buffer.alloc(0);
    } else if (status === 101) {
      body = bytes.subarray(at);
      at = bytes.length;
    } else if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = bytes.indexOf('\r\n', at);
        if (lineEnd === -1) throw new Error('truncated chunked response');
        const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
        at = lineEnd + 2;
        if (size === 0) {
          at = bytes.indexOf('\r\n', at) + 2; // no trailers are sent
          break;
        }
        parts.push(bytes.subarray(at, at + size));
        at += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (headers.has('content-length')) {
      const length = Number(headers.get('content-length'));
      body = bytes.subarray(at, at + length);
      at += length;
    } else {
      body = bytes.subarray(at);
      at = bytes.length;
    }
    responses.push({ status, headers, body });
  }
  return responses;
}

/**
 * Who answered: dockgate's pipeline (a refusal of a request), dockgate for Node's parser (a refusal of
 * bytes that were no request: it names no request but "the HTTP request head" or "body"), Node's
 * HTTP server itself (bare: only a 417 to an unknown Expect is left), or the engine (relayed).
 */
type Answerer = 'dockgate' | 'parser' | 'node' | 'engine' | 'interim';

const PARSER_REFUSAL = /^dockgate: the HTTP request (head|body) denied by \S+: /;

function messageOf(response: RawResponse): string {
  return String((JSON.parse(response.body.toString('utf8')) as { message?: unknown }).message);
}

function answererOf(response: RawResponse): Answerer {
  if (response.status === 100) return 'interim';
  if (response.headers.has('dockgate-decision')) return PARSER_REFUSAL.test(messageOf(response)) ? 'parser' : 'dockgate';
  if (response.headers.has('api-version') || response.status === 101) return 'engine';
  return 'node';
}

function describeResponses(responses: readonly RawResponse[]): string {
  return responses.map((r) => `${r.status} by ${answererOf(r)}${r.headers.has('dockgate-decision') ? ` (${r.headers.get('dockgate-decision')})` : ''}`).join(', ') || 'nothing';
}

// ---------------------------------------------------------------------------------------------------
// The corpus

/** The smuggled request: creates the volume `name`, with Connection: close so the connection ends after it. */
function smuggled(name: string): string {
  const body = JSON.stringify({ Name: name });
  return `POST /v1.41/volumes/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

function chunk(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

interface Context {
  /** A running container the gateway may exec into, and an exec of `cat` in it, created on the engine. */
  execId: () => Promise<string>;
}

interface FramingCase {
  name: string;
  /** Writes the attack on a fresh connection; resolves with everything the gateway sent back. */
  send: (endpoint: Endpoint, tag: string, context: Context) => Promise<Buffer>;
  /**
   * Who may answer, in order, for each gateway: e.g. ['parser'] for a parser refusal, ['dockgate'] for a
   * refusal of the pipeline, ['dockgate', 'dockgate'] for a refusal and a pipelined request judged after it.
   */
  expect: { readOnly: readonly Answerer[]; audit: readonly Answerer[] };
  /** Statuses of the first answer allowed on both gateways, or on each (omitted: any 4xx for refusals). */
  firstStatus?: readonly number[] | Readonly<Record<'readOnly' | 'audit', readonly number[]>>;
  /** For the audit gateway: the smuggled volume may be created, as a judged (recorded) request. */
  smuggledMayRunWhenJudged?: boolean;
  /**
   * Requests whose head reached dockgate but whose body Node's parser then refused (bad chunk framing):
   * answered as parser refusals (a 400 about "the request body"), recorded by their exchange as refused
   * (`deny`, body.canonical; on read-only, which does not grant the operation, by the profile, before the
   * body was read) rather than as connections.
   */
  refusedMidBody?: number;
  /** A further check of the answers on one gateway. */
  check?: (responses: readonly RawResponse[], gateway: 'readOnly' | 'audit', tag: string) => void;
}

/** Sends `bytes` at once and reads until the gateway ends the connection or it stays quiet for SETTLE_MS. */
async function sendAtOnce(endpoint: Endpoint, bytes: Buffer | string): Promise<Buffer> {
  const received = sendRaw(endpoint, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return settled(received);
}

async function settled(received: ReceivedBytes): Promise<Buffer> {
  let last = -1;
  const deadline = Date.now() + 20_000;
  // Until the connection ends, or nothing new arrives for SETTLE_MS.
  while (Date.now() < deadline) {
    await received.settle(SETTLE_MS);
    const now = received.all().length;
    if (now === last) break;
    last = now;
  }
  received.socket.destroy();
  return received.all();
}

const post = (target: string, headers: string[], body = ''): string => [`POST ${target} HTTP/1.1`, 'Host: docker', ...headers].join('\r\n') + '\r\n\r\n' + body;

const CORPUS: FramingCase[] = [
  {
    name: 'Content-Length and Transfer-Encoding together (CL.TE)',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked'], `0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'Transfer-Encoding then Content-Length (TE.CL)',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Transfer-Encoding: chunked', 'Content-Length: 200'], `${chunk('{}')}0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'Transfer-Encoding: chunked, identity',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Transfer-Encoding: chunked, identity', 'Content-Length: 5'], `0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'Transfer-Encoding: xchunked with a Content-Length',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Transfer-Encoding: xchunked', 'Content-Length: 5'], `0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'two Transfer-Encoding headers',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], `0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'duplicate Content-Length with different values',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Content-Length: 0', `Content-Length: ${smuggled(tag).length}`], smuggled(tag))),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'duplicate Content-Length with the same value',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 2'], `{}${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'Content-Length with a plus sign',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Content-Length: +2'], `{}${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'negative Content-Length',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Content-Length: -1'], `{}${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'hexadecimal Content-Length',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Content-Length: 0x2'], `{}${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'bare LF line endings',
    send: (e, tag) => sendAtOnce(e, `POST /v1.41/volumes/create HTTP/1.1\nHost: docker\nContent-Type: application/json\nContent-Length: 2\n\n{}${smuggled(tag)}`),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'bare LF inside one header line',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json\nContent-Length: 0', 'Content-Length: 2'], `{}${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'obs-fold (a header continued on the next line)',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'X-Folded: a', ' Content-Length: 0', 'Content-Length: 2'], `{}${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'chunk size that is not hexadecimal',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], `zz\r\n{}\r\n0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
    refusedMidBody: 1,
  },
  {
    name: 'negative chunk size',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], `-2\r\n{}\r\n0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
    refusedMidBody: 1,
  },
  {
    name: 'chunk size with a 0x prefix',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], `0x2\r\n{}\r\n0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
    refusedMidBody: 1,
  },
  {
    name: 'chunk size overflowing 64 bits',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], `10000000000000002\r\n{}\r\n0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
    refusedMidBody: 1,
  },
  {
    name: 'chunk size followed by a space',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], `2 \r\n{}\r\n0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
    refusedMidBody: 1,
  },
  {
    name: 'chunk extension with a bare LF',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], `2;x=1\n{}\r\n0\r\n\r\n${smuggled(tag)}`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
    refusedMidBody: 1,
  },
  {
    name: 'chunk extension with a quoted CRLF',
    send: (e, tag) =>
      sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], `2;x="a\r\n0\r\n\r\n${smuggled(tag)}"\r\n{}\r\n0\r\n\r\n`)),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
    refusedMidBody: 1,
  },
  {
    name: 'a valid chunk extension: the chunked body is judged, the request after it too',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post(
          '/v1.41/volumes/create',
          ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
          `${JSON.stringify({ Name: `${tag}-body` }).length.toString(16)};ext=1\r\n${JSON.stringify({ Name: `${tag}-body` })}\r\n0\r\n\r\n${smuggled(tag)}`,
        ),
      ),
    expect: { readOnly: ['dockgate', 'dockgate'], audit: ['engine', 'engine'] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'a request pipelined behind Content-Length: 0',
    send: (e, tag) => sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', 'Content-Length: 0']) + smuggled(tag)),
    // dockgate refuses the empty body (400) and keeps the connection: the next request is judged on its own.
    expect: { readOnly: ['dockgate', 'dockgate'], audit: ['dockgate', 'engine'] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'a request pipelined behind a GET with Content-Length: 0',
    send: (e, tag) => sendAtOnce(e, `GET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n${smuggled(tag)}`),
    expect: { readOnly: ['engine', 'dockgate'], audit: ['engine', 'engine'] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'a request carried as the body of a GET (Content-Length)',
    send: (e, tag) => sendAtOnce(e, `GET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Length: ${smuggled(tag).length}\r\n\r\n${smuggled(tag)}`),
    expect: { readOnly: ['engine'], audit: ['engine'] },
  },
  {
    name: 'a request carried as the chunked body of a GET',
    send: (e, tag) => sendAtOnce(e, `GET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(smuggled(tag))}0\r\n\r\n`),
    expect: { readOnly: ['engine'], audit: ['engine'] },
  },
  {
    name: 'a request pipelined behind a refused oversized body (413)',
    send: (e, tag) => {
      const body = `{"Name":"${tag}-big","Labels":{"x":"${'a'.repeat(2 * 1024 * 1024)}"}}`;
      return sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', `Content-Length: ${body.length}`], body) + smuggled(tag));
    },
    // The body is read to its end (within the drain bound) and refused; the request after it is judged on its own.
    // Read-only does not grant the create: refused (403) before the body is read, then drained the same way.
    expect: { readOnly: ['dockgate', 'dockgate'], audit: ['dockgate', 'engine'] },
    firstStatus: { readOnly: [403], audit: [413] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'an oversized chunked body on an inspected route (413)',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post(
          '/v1.41/volumes/create',
          ['Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close'],
          `${chunk(`{"Name":"${tag}-big","Labels":{"x":"${'b'.repeat(2 * 1024 * 1024)}"}}`)}0\r\n\r\n`,
        ),
      ),
    expect: { readOnly: ['dockgate'], audit: ['dockgate'] },
    firstStatus: { readOnly: [403], audit: [413] },
  },
  {
    name: 'a request pipelined behind an upgrade (exec start)',
    send: async (e, tag, context) => {
      const id = await context.execId();
      const body = '{"Detach":false,"Tty":false}';
      return sendAtOnce(
        e,
        post(`/v1.41/exec/${id}/start`, ['Content-Type: application/json', 'Connection: Upgrade', 'Upgrade: tcp', `Content-Length: ${body.length}`], body) + smuggled(tag),
      );
    },
    // read-only refuses the exec; audit lets the engine switch protocols, and the bytes behind the request
    // reach the exec'd `cat` as its input, never the engine as a request.
    expect: { readOnly: ['dockgate'], audit: ['engine'] },
    firstStatus: [403, 101],
    check: (responses, gateway, tag) => {
      if (gateway !== 'audit') return;
      // The stream after the 101 carries the smuggled bytes back from `cat`'s stdout: they were its input.
      assert.ok(
        responses[0]!.body.includes(`{"Name":"${tag}"}`),
        `the bytes behind the upgrade reached the exec as its input: ${JSON.stringify(responses[0]!.body.toString('latin1').slice(0, 300))}`,
      );
    },
  },
  {
    name: 'an Upgrade on a route that does not switch protocols',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post(
          '/v1.41/volumes/create',
          ['Content-Type: application/json', 'Connection: Upgrade', 'Upgrade: tcp', `Content-Length: ${JSON.stringify({ Name: tag }).length}`],
          JSON.stringify({ Name: tag }),
        ) + smuggled(`${tag}-2`),
      ),
    expect: { readOnly: ['dockgate'], audit: ['dockgate'] },
    firstStatus: [400],
  },
  {
    name: 'Expect: 100-continue',
    send: async (e, tag) => {
      const body = JSON.stringify({ Name: tag });
      const received = sendRaw(
        e,
        Buffer.from(post('/v1.41/volumes/create', ['Content-Type: application/json', 'Expect: 100-continue', 'Connection: close', `Content-Length: ${body.length}`]), 'latin1'),
      );
      const deadline = Date.now() + 10_000;
      while (!received.all().includes('HTTP/1.1 100') && !received.all().includes('HTTP/1.1 4') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      received.socket.write(body);
      return settled(received);
    },
    // Node answers 100 Continue itself; the body is then judged like any other.
    expect: { readOnly: ['interim', 'dockgate'], audit: ['interim', 'engine'] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'Expect with an unknown expectation',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post(
          '/v1.41/volumes/create',
          ['Content-Type: application/json', 'Expect: 200-ok', 'Connection: close', `Content-Length: ${JSON.stringify({ Name: tag }).length}`],
          JSON.stringify({ Name: tag }),
        ),
      ),
    // Node's HTTP server answers it itself (no parser error, no request event): a bare 417, nothing forwarded.
    expect: { readOnly: ['node'], audit: ['node'] },
    firstStatus: [417],
  },
  {
    name: 'HTTP/1.0 without Host',
    send: (e) => sendAtOnce(e, 'GET /v1.41/_ping HTTP/1.0\r\n\r\n'),
    expect: { readOnly: ['engine'], audit: ['engine'] },
    firstStatus: [200],
  },
  {
    name: 'HTTP/1.0 without Host, changing state',
    send: (e, tag) =>
      sendAtOnce(
        e,
        `POST /v1.41/volumes/create HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ Name: tag }).length}\r\n\r\n${JSON.stringify({ Name: tag })}`,
      ),
    expect: { readOnly: ['dockgate'], audit: ['engine'] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'HTTP/1.1 without Host',
    send: (e, tag) =>
      sendAtOnce(
        e,
        `POST /v1.41/volumes/create HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ Name: tag }).length}\r\n\r\n${JSON.stringify({ Name: tag })}`,
      ),
    // Refused by dockgate as Go refuses it (Node's own bare 400 for it is turned off).
    expect: { readOnly: ['dockgate'], audit: ['dockgate'] },
    firstStatus: [400],
  },
  {
    name: 'absolute-form target',
    send: (e, tag) =>
      sendAtOnce(
        e,
        `POST http://docker/v1.41/volumes/create HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ Name: tag }).length}\r\n\r\n${JSON.stringify({ Name: tag })}`,
      ),
    expect: { readOnly: ['dockgate'], audit: ['dockgate'] },
    firstStatus: [400],
  },
  {
    name: 'asterisk-form target (OPTIONS *)',
    send: (e) => sendAtOnce(e, 'OPTIONS * HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'),
    expect: { readOnly: ['dockgate'], audit: ['dockgate'] },
    firstStatus: [400],
  },
  {
    name: 'authority-form target (CONNECT)',
    // Node's server hands CONNECT to a 'connect' listener; dockgate has none, so Node closes the
    // connection without an answer, and nothing behind it is read.
    send: (e, tag) => sendAtOnce(e, `CONNECT docker:2375 HTTP/1.1\r\nHost: docker\r\n\r\n${smuggled(tag)}`),
    expect: { readOnly: [], audit: [] },
  },
  {
    name: 'NUL in a header value',
    send: (e, tag) =>
      sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json\0', `Content-Length: ${JSON.stringify({ Name: tag }).length}`], JSON.stringify({ Name: tag }))),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'control character in a header value',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post('/v1.41/volumes/create', ['X-Note: a\x01b', 'Content-Type: application/json', `Content-Length: ${JSON.stringify({ Name: tag }).length}`], JSON.stringify({ Name: tag })),
      ),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'DEL in a header value',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post('/v1.41/volumes/create', ['X-Note: a\x7fb', 'Content-Type: application/json', `Content-Length: ${JSON.stringify({ Name: tag }).length}`], JSON.stringify({ Name: tag })),
      ),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'space before the colon of a header',
    send: (e, tag) =>
      sendAtOnce(e, post('/v1.41/volumes/create', ['Content-Type: application/json', `Content-Length : ${JSON.stringify({ Name: tag }).length}`], JSON.stringify({ Name: tag }))),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'NUL in the request target',
    send: (e, tag) =>
      sendAtOnce(
        e,
        `POST /v1.41/volumes/create\0 HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ Name: tag }).length}\r\n\r\n${JSON.stringify({ Name: tag })}`,
      ),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'two spaces in the request line',
    // Node's parser reads `POST  /path` as `POST /path`: an ordinary request, judged as such.
    send: (e, tag) =>
      sendAtOnce(
        e,
        `POST  /v1.41/volumes/create HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ Name: tag }).length}\r\n\r\n${JSON.stringify({ Name: tag })}`,
      ),
    expect: { readOnly: ['dockgate'], audit: ['engine'] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'lower-case method',
    send: (e, tag) =>
      sendAtOnce(
        e,
        `post /v1.41/volumes/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ Name: tag }).length}\r\n\r\n${JSON.stringify({ Name: tag })}`,
      ),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400],
  },
  {
    name: 'oversized header block (431)',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post(
          '/v1.41/volumes/create',
          [`X-Big: ${'h'.repeat(20 * 1024)}`, 'Content-Type: application/json', `Content-Length: ${JSON.stringify({ Name: tag }).length}`],
          JSON.stringify({ Name: tag }),
        ),
      ),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [431],
  },
  {
    name: 'many headers over 16 KiB in all (431)',
    send: (e, tag) =>
      sendAtOnce(
        e,
        post(
          '/v1.41/volumes/create',
          [...Array.from({ length: 1_800 }, (_, i) => `X-Header-${i}: v`), 'Content-Type: application/json', `Content-Length: ${JSON.stringify({ Name: tag }).length}`],
          JSON.stringify({ Name: tag }),
        ),
      ),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [431],
  },
  {
    name: 'more than 1,000 headers: Node keeps the first 1,000, yet frames the body by the Content-Length it dropped',
    send: (e, tag) => {
      const body = JSON.stringify({ Name: `${tag}-body` });
      return sendAtOnce(
        e,
        post('/v1.41/volumes/create', [...Array.from({ length: 1_200 }, (_, i) => `X${i}: v`), 'Content-Type: application/json', `Content-Length: ${body.length}`], body) + smuggled(tag),
      );
    },
    // The body is read as framed and judged; the request behind it is judged on its own.
    expect: { readOnly: ['dockgate', 'dockgate'], audit: ['engine', 'engine'] },
    smuggledMayRunWhenJudged: true,
  },
  {
    name: 'HTTP/2 connection preface',
    send: (e) => sendAtOnce(e, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    expect: { readOnly: ['parser'], audit: ['parser'] },
    firstStatus: [400, 505],
  },
];

// ---------------------------------------------------------------------------------------------------

describe('HTTP framing attacks are refused or judged, never forwarded unjudged', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let events: EngineEvents;
  const gateways: { name: 'readOnly' | 'audit'; gateway: GatewayInFront }[] = [];
  let execIds: () => Promise<string>;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      for (const [name, profile] of [
        ['readOnly', 'read-only'],
        ['audit', 'audit'],
      ] as const) {
        const gateway = await startGatewayInFront(engine, { profile });
        teardown.add(() => gateway.stopRunning());
        gateways.push({ name, gateway });
      }
      const created = await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/create?name=fa-run', { Image: 'busybox:test', Cmd: ['sleep', '3600'] });
      assert.equal(created.status, 201, created.body);
      assert.equal((await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/fa-run/start')).status, 204);
      execIds = async () => {
        const exec = await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/fa-run/exec', { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
        assert.equal(exec.status, 201, exec.body);
        return (JSON.parse(exec.body) as { Id: string }).Id;
      };
      events = await EngineEvents.subscribe(engine.socketPath, ['container', 'volume']);
      teardown.add(() => events.close());
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  const outcomes: string[] = [];

  for (const [index, attack] of CORPUS.entries()) {
    test(attack.name, async () => {
      for (const { name, gateway } of gateways) {
        const tag = `smug-${index}-${name.toLowerCase()}`;
        const what = `${attack.name} (${name} gateway)`;
        const auditFrom = statSync(gateway.auditLog).size;
        const received = await attack.send(gateway.unix, tag, { execId: execIds });
        let responses: RawResponse[];
        try {
          responses = parseResponses(received);
        } catch (error) {
          assert.fail(`${what}: unreadable answer: ${(error as Error).message}`);
        }
        const answerers = responses.map(answererOf);
        outcomes.push(`${attack.name} [${name}]: ${describeResponses(responses)}`);
        assert.deepEqual(answerers, attack.expect[name], `${what}: answered ${describeResponses(responses)}; raw: ${JSON.stringify(received.toString('latin1').slice(0, 600))}`);
        const first = responses.find((r) => r.status !== 100);
        const firstStatus = attack.firstStatus === undefined || Array.isArray(attack.firstStatus) ? attack.firstStatus : (attack.firstStatus as Record<string, readonly number[]>)[name];
        if (first !== undefined && firstStatus !== undefined) {
          assert.ok(firstStatus.includes(first.status), `${what}: first answer ${first.status}, expected one of ${firstStatus.join(', ')}`);
        }
        attack.check?.(responses, name, tag);
        for (const response of responses.filter((r) => answererOf(r) === 'dockgate' || answererOf(r) === 'parser')) {
          assert.equal(response.headers.get('dockgate-decision'), 'deny', `${what}: a refusal says deny`);
          assert.ok(response.status >= 400 && response.status < 500, `${what}: refusals are 4xx, got ${response.status}`);
          assert.match(messageOf(response), /^dockgate: .+ denied by \S+: /, `${what}: a Docker-style refusal`);
        }
        for (const response of responses.filter((r) => answererOf(r) === 'parser')) {
          const rule = { 400: /denied by (header|body)\.canonical: the HTTP parser refused it \(HPE_/, 431: /denied by header\.size: /, 408: /denied by limits\.headers-timeout: / }[
            response.status
          ];
          assert.ok(rule !== undefined, `${what}: a parser refusal with status ${response.status}`);
          assert.match(messageOf(response), rule, `${what}: the parser refusal names its rule and the parser's error code`);
        }

        // Judged: every answer that did not come from Node's parser has its done record; a parser refusal
        // before any request has its connection record.
        const judgedAnswers = answerers.filter((a) => a === 'dockgate' || a === 'engine').length;
        const expectedRecords = judgedAnswers + (attack.refusedMidBody ?? 0);
        const expectedConnections = answerers.filter((a) => a === 'parser').length - (attack.refusedMidBody ?? 0);
        // A hijacked stream's record is written when it ends, after the case has closed the connection.
        const { trail } = await waitForAuditTrail(
          gateway.auditLog,
          auditFrom,
          (records) => records.filter((r) => r.phase === 'done').length >= expectedRecords && records.filter((r) => (r.phase as string) === 'connection').length >= expectedConnections,
          5_000,
        );
        const connections = trail.records.filter((r) => (r.phase as string) === 'connection');
        assert.equal(connections.length, expectedConnections, `${what}: connection records ${JSON.stringify(connections)}`);
        assert.ok(
          connections.every((r) => r.decision === 'deny' && ['header.canonical', 'header.size'].includes(r.rule)),
          `${what}: ${JSON.stringify(connections)}`,
        );
        const done = trail.records.filter((r) => r.phase === 'done');
        const shown = JSON.stringify(done.map((r) => `${r.method} ${r.path} ${r.decision} ${r.rule}`));
        assert.equal(
          done.length,
          expectedRecords,
          `${what}: ${judgedAnswers} answers came through the gateway's pipeline (and ${attack.refusedMidBody ?? 0} refused mid-body), ${done.length} done records: ${shown}`,
        );
        // No request that Node's parser cut short is recorded as a failure of the gateway.
        assert.ok(
          done.every((r) => r.decision !== 'error'),
          `${what}: recorded as the gateway's own failure: ${shown}`,
        );
        if (attack.refusedMidBody !== undefined) {
          const refusedBy = name === 'readOnly' ? 'profile.read-only' : 'body.canonical';
          assert.ok(
            done.filter((r) => r.decision === 'deny' && r.rule === refusedBy).length >= attack.refusedMidBody,
            `${what}: the request cut short is recorded as refused by ${refusedBy}: ${shown}`,
          );
        }

        // Still serving. The ping's done record is written after its answer: wait for it, so that it does
        // not fall into the next case's part of the trail.
        const pingFrom = statSync(gateway.auditLog).size;
        assert.equal(await pingStatus(gateway.unix, 5_000), 200, `${what}: the gateway no longer answers GET /_ping`);
        const pinged = await waitForAuditTrail(gateway.auditLog, pingFrom, (records) => records.some((r) => r.phase === 'done' && r.path === '/_ping'));
        assert.ok(pinged.complete, `${what}: the ping after the case was not recorded`);
        gateway.assertRunning();
      }
    });
  }

  test('the engine saw no create that was not judged', async (t: TestContext) => {
    const marker = 'fa-marker';
    assert.equal((await apiRequest(engine.endpoint, 'POST', '/v1.41/volumes/create', { Name: marker })).status, 201);
    await events.waitFor(`the create event of ${marker}`, (e) => e.Type === 'volume' && e.Actor.ID === marker);
    const creates = events.events.filter((e) => e.Action === 'create' && e.Actor.ID !== marker && e.Actor.Attributes?.['name'] !== marker);
    const names = creates.map((e) => (e.Type === 'volume' ? e.Actor.ID : (e.Actor.Attributes?.['name'] ?? e.Actor.ID)));
    t.diagnostic(`outcomes:\n${outcomes.join('\n')}`);
    t.diagnostic(`creates the engine performed: ${names.join(', ') || 'none'}`);

    // Through the read-only gateway nothing was created: every state change was judged, and refused.
    const readOnlyCreates = names.filter((n) => n.includes('-readonly'));
    assert.deepEqual(readOnlyCreates, [], 'the read-only gateway let creates reach the engine');

    // Through the audit gateway, every create was a judged request: an allow record names the volume.
    const auditGateway = gateways.find((g) => g.name === 'audit')!.gateway;
    const records = readAuditTrail(auditGateway.auditLog).records;
    const forwarded = new Map(records.filter((r) => r.phase === 'forwarding' && r.decision === 'allow').map((r) => [r.id, r]));
    // A volume create is named by its forwarding record (the body's Name), or by the done record of the same request.
    const judgedCreateOf = (name: string): AuditLine | undefined =>
      [...forwarded.values()].find((r) => r.operation === 'volume.create' && r.target?.ref === name) ??
      records.find((r) => r.phase === 'done' && r.operation === 'volume.create' && forwarded.has(r.id) && (r.created ?? []).includes(name));
    for (const name of names) {
      const index = Number(/^smug-(\d+)-/.exec(name)?.[1]);
      assert.ok(Number.isInteger(index), `the engine created ${name}, which no case sends`);
      assert.ok(CORPUS[index]!.smuggledMayRunWhenJudged === true, `${CORPUS[index]!.name}: the engine created ${name}, the smuggled request must not have run`);
      assert.ok(judgedCreateOf(name) !== undefined, `the engine created ${name} without an allow record naming it: forwarded unjudged`);
    }
  });
});
