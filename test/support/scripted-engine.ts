// An engine that answers with exact bytes, for protocol tests of the forward path without dockerd: a unix
// socket server that reads each request (head and Content-Length body) and writes what the test scripted,
// piece by piece with a pause between pieces (so each arrives as a read of its own), then keeps the
// connection, closes it, or hands it to the test. In front of it, the forward path as the gateway runs it
// (forwardPlain for ordinary requests, askEngineToHijack and the joins for upgrades) on a unix socket of its
// own, answering its refusals as the gateway does, so a test sees what a client of the gateway sees.
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { isGatewayError, type GatewayError } from '../../src/errors/catalogue.js';
import { askEngineToHijack, joinHijackedStream, relayRawResponse, upgradeProtocolFor, type HijackOutcome } from '../../src/forward/forward-hijack.js';
import { forwardPlain, type AnswerRedaction, type PlainOutcome } from '../../src/forward/forward-plain.js';
import type { OwnerAnswer } from '../../src/forward/owner-answer-filter.js';
import { readUpgradeBody } from '../../src/forward/upgrade-body.js';
import { createUpstream, type Upstream } from '../../src/forward/upstream.js';
import { sendRefusal, writeRawRefusal } from '../../src/answer/refusal-response.js';

/** A request as the engine received it. */
export interface ReceivedRequest {
  /** Which connection it came on, counted from 0 in the order the engine accepted them. */
  connection: number;
  /** Its head and body, as sent. */
  text: string;
}

/** What the engine does with a request: the pieces it writes, then what becomes of the connection. */
export interface ScriptedAnswer {
  pieces: (string | Buffer)[];
  /** `keep` (the default) reads the next request; `close` ends the connection; `stream` gives it to `onStream`. */
  then?: 'keep' | 'close' | 'stream';
  /** With `then: 'stream'`: the connection after the answer, and the bytes that came after the request. */
  onStream?: (socket: net.Socket, rest: Buffer) => void;
}

export type Script = (request: ReceivedRequest) => ScriptedAnswer;

/** The pause between pieces: long enough for each to arrive in a read of its own. */
const PIECE_PAUSE_MS = 15;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const HEAD_END = '\r\n\r\n';

/** Reads requests off one engine connection and answers each as scripted. */
function serveConnection(socket: net.Socket, connection: number, script: () => Script, received: ReceivedRequest[]): void {
  let buffer = Buffer.alloc(0);
  let busy = false;
  const onData = (chunk: Buffer): void => {
    buffer = Buffer.concat([buffer, chunk]);
    void next();
  };
  const next = async (): Promise<void> => {
    if (busy) return;
    const headEnd = buffer.indexOf(HEAD_END);
    if (headEnd === -1) return;
    const head = buffer.toString('latin1', 0, headEnd);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
    const end = headEnd + HEAD_END.length + length;
    if (buffer.length < end) return;
    const request = { connection, text: buffer.toString('latin1', 0, end) };
    buffer = buffer.subarray(end);
    received.push(request);
    const answer = script()(request);
    busy = true;
    for (const [i, piece] of answer.pieces.entries()) {
      if (i > 0) await pause(PIECE_PAUSE_MS);
      if (socket.destroyed) return;
      socket.write(piece);
    }
    busy = false;
    if (answer.then === 'close') socket.end();
    else if (answer.then === 'stream') {
      socket.off('data', onData);
      answer.onStream!(socket, buffer);
    } else void next();
  };
  socket.on('data', onData);
  socket.on('error', () => undefined);
}

export interface ForwardingRig {
  /** The gateway side's socket, where a test connects as a client. */
  gatewayPath: string;
  /** Requests the engine received, in order. */
  received: ReceivedRequest[];
  /** How many connections the engine accepted. */
  connections(): number;
  /** What each forwarded exchange ended with, in the order they ended. */
  outcomes: (PlainOutcome | HijackOutcome | GatewayError)[];
  /** Sets how the engine answers from now on. */
  answer(script: Script): void;
  close(): Promise<void>;
}

/** Refusals answered as the gateway answers them, and every outcome kept for the test. */
function plainForwarder(
  upstream: Upstream,
  outcomes: ForwardingRig['outcomes'],
  redact: AnswerRedaction | undefined,
  ownerAnswer: OwnerAnswer | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) =>
    forwardPlain({
      upstream,
      req,
      res,
      path: req.url!,
      headers: {},
      collectCreated: false,
      ...(redact !== undefined && { redact }),
      ...(ownerAnswer !== undefined && { ownerAnswer }),
      done: (outcome) => {
        outcomes.push(outcome);
        if (isGatewayError(outcome) && !res.headersSent) sendRefusal(res, outcome, true);
      },
    });
}

/** The gateway's handleUpgrade without the judging: the body read to its end, the engine asked, the client joined or answered. */
function upgradeForwarder(upstream: Upstream, outcomes: ForwardingRig['outcomes']): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (err: GatewayError): void => {
      outcomes.push(err);
      writeRawRefusal(socket, err);
    };
    const operation = req.url!.includes('/session') ? 'session' : 'exec.start';
    const done = (outcome: HijackOutcome): void => void outcomes.push(outcome);
    readUpgradeBody(socket, head, { kind: 'length', length: Number(req.headers['content-length'] ?? 0) }, `${req.method} ${req.url}`)
      .then(async ({ body, held }) => {
        const answer = await askEngineToHijack(upstream, req, { path: req.url!, headers: {}, operation }, body);
        if (answer.upgraded) joinHijackedStream(socket, answer, upgradeProtocolFor(operation), held, done);
        else relayRawResponse(socket, answer.response, undefined, done);
      })
      .catch(refuse);
  };
}

/**
 * `redact`: every plain answer is redacted so, as a decision that redacts has the gateway do; `ownerAnswer`:
 * every plain answer is kept to that owner, as the gateway does for events and df of a client with an owner.
 */
export async function startForwardingRig(redact?: AnswerRedaction, ownerAnswer?: OwnerAnswer): Promise<ForwardingRig> {
  const dir = mkdtempSync(join(tmpdir(), 'dg-scripted-'));
  const enginePath = join(dir, 'engine.sock');
  const gatewayPath = join(dir, 'gateway.sock');
  const received: ReceivedRequest[] = [];
  const outcomes: ForwardingRig['outcomes'] = [];
  const sockets = new Set<net.Socket>();
  let script: Script = () => ({ pieces: ['HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n'] });
  let accepted = 0;
  const engine = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, accepted++, () => script, received);
  });
  await new Promise<void>((resolve) => engine.listen(enginePath, resolve));
  const upstream = createUpstream(`unix://${enginePath}`);
  const gateway = http.createServer(plainForwarder(upstream, outcomes, redact, ownerAnswer));
  gateway.on('upgrade', upgradeForwarder(upstream, outcomes));
  gateway.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => gateway.listen(gatewayPath, resolve));
  return {
    gatewayPath,
    received,
    connections: () => accepted,
    outcomes,
    answer: (next) => (script = next),
    close: async () => {
      upstream.close();
      for (const socket of sockets) socket.destroy();
      await Promise.all([new Promise((resolve) => engine.close(resolve)), new Promise((resolve) => gateway.close(resolve))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a client of the gateway got: the raw bytes until the gateway closed the connection, or until `enough` says so. */
export function exchangeRaw(
  gatewayPath: string,
  request: string | Buffer,
  enough: (received: string) => boolean = () => false,
  afterConnect?: (socket: net.Socket) => void,
): Promise<{ text: string; closed: boolean; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(gatewayPath);
    let text = '';
    let settled = false;
    const settle = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      resolve({ text, closed, socket });
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (enough(text)) settle(false);
    });
    socket.on('close', () => settle(true));
    socket.on('error', (err) => (settled ? undefined : reject(err)));
    socket.write(request);
    afterConnect?.(socket);
  });
}

/** An answer as a client of the gateway sees it. */
export interface SeenByClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, read as latin1 (every byte kept). */
  body: string;
  /** Whether the response arrived whole, as its framing said. */
  complete: boolean;
}

/** One request through the rig's gateway side, as a client sees it. */
export function requestThroughRig(rig: ForwardingRig, path: string, method = 'GET'): Promise<SeenByClient> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: rig.gatewayPath, path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode!, headers: res.headers, body, complete: res.complete }));
    });
    req.on('error', reject);
    req.end();
  });
}
