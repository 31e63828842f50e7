// A request body that must be judged whole before any of it is forwarded, but may be far too large to
// hold in memory: a build context. It is written to a private file as it arrives (and handed to the
// judge at the same time), then read back from that file for the engine. The file lives in a directory
// of its own (mode 0700, created with mkdtemp) and is removed when the exchange ends. What it takes of the
// disk is taken from the client's hold on the disk budget (src/admit/body-budgets.ts) before it is written:
// a Content-Length up front, before the file is made; a chunked body as it grows.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { BudgetHold } from '../admit/byte-budget.js';
import { GatewayError } from '../errors/catalogue.js';
import type { HeldBody } from '../forward/forward-plain.js';
import { noteStreamedBytes } from '../forward/streamed-buffers.js';
import { bodyReadFailure } from './read-body.js';

export interface SpooledBody extends HeldBody {
  /** Removes the file; safe to call more than once. */
  dispose(): Promise<void>;
}

export interface Spool {
  /** The body as it arrives, for the judge's first pass; read it to its end (or the client waits). */
  readonly live: Readable;
  /** The body read again from the start, once all of it is on disk. */
  again(): AsyncIterable<Buffer>;
  /** Settles when the whole body is on disk (or with the refusal that stopped it). */
  readonly complete: Promise<SpooledBody>;
  /** Stops spooling (the request was refused) and removes what was written. */
  abandon(): Promise<void>;
  /** The refusal that stopped spooling, if one did (known as soon as it happens). */
  failure(): GatewayError | undefined;
}

function tooLarge(what: string, limit: number): GatewayError {
  return new GatewayError('DG_BODY_TOO_LARGE', {
    what,
    why: `the body exceeds the ${limit} bytes dockgate holds for judging`,
    fix: 'Send a smaller build context (a .dockerignore leaves out what the build does not need)',
  });
}

export async function spoolBody(req: IncomingMessage, directory: string, limit: number, what: string, hold: BudgetHold): Promise<Spool> {
  // Node's parser has checked that a Content-Length is one decimal number.
  const announced = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (announced !== undefined && announced > limit) throw tooLarge(what, limit);
  if (announced !== undefined) hold.growTo(announced);
  let dir: string;
  try {
    dir = await mkdtemp(join(directory, 'dockgate-body-'));
  } catch (err) {
    hold.release();
    throw err;
  }
  const path = join(dir, 'body');
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  const live = new PassThrough();
  let length = 0;
  let disposed = false;
  let failure: GatewayError | undefined;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    hold.release();
    file.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  const complete = new Promise<SpooledBody>((resolve, reject) => {
    const stop = (error: GatewayError): void => {
      failure ??= error;
      req.off('data', onData);
      req.pause();
      live.destroy(error);
      reject(error);
    };
    // Either reader slower than the client: the client waits (both must drain before more is read).
    let waiting = 0;
    const resume = (): void => {
      if (--waiting === 0) req.resume();
    };
    const onData = (chunk: Buffer): void => {
      noteStreamedBytes(chunk.length);
      length += chunk.length;
      if (length > limit) {
        stop(tooLarge(what, limit));
        return;
      }
      try {
        hold.growTo(length);
      } catch (err) {
        stop(err as GatewayError);
        return;
      }
      const toFile = file.write(chunk);
      const toJudge = live.write(chunk);
      if (!toFile || !toJudge) {
        req.pause();
        if (!toFile) {
          waiting++;
          file.once('drain', resume);
        }
        if (!toJudge) {
          waiting++;
          live.once('drain', resume);
        }
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      live.end();
      file.end(() => resolve({ length, open: () => createReadStream(path), dispose }));
    });
    req.once('error', (err: Error) => stop(bodyReadFailure(err, what)));
    file.once('error', (err: Error) =>
      stop(new GatewayError('DG_BODY_TOO_LARGE', { what, why: `the body could not be held for judging (${err.message})`, fix: "Retry later; the gateway's spool directory may be full" })),
    );
  });
  complete.catch(() => undefined);
  return {
    live,
    complete,
    again: async function* () {
      const body = await complete;
      yield* body.open() as AsyncIterable<Buffer>;
    },
    failure: () => failure,
    abandon: async () => {
      req.removeAllListeners('data');
      live.destroy();
      await dispose();
    },
  };
}
