// A build context's compression, detected and undone as pkg/archive's DecompressStream does: by the
// first bytes (bzip2, gzip, xz; anything else is read as an uncompressed tar). The engine runs `xz -d -c
// -q` for xz and Go's readers for the others; dockgate uses zlib for gzip and the host's `bzip2` and `xz`
// (the engine needs xz on the host too), so the bytes judged are the bytes the engine unpacks.

import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type ContextCompression = 'none' | 'gzip' | 'bzip2' | 'xz';

export class DecompressionError extends Error {}

const MAGIC: ReadonlyArray<[ContextCompression, Buffer]> = [
  ['bzip2', Buffer.from([0x42, 0x5a, 0x68])],
  ['gzip', Buffer.from([0x1f, 0x8b, 0x08])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
];

/** DetectCompression, on the first bytes of the stream. */
export function detectCompression(head: Buffer): ContextCompression {
  for (const [kind, magic] of MAGIC) {
    if (head.length >= magic.length && head.subarray(0, magic.length).equals(magic)) return kind;
  }
  return 'none';
}

/** The first `n` bytes of a chunk stream (fewer if it is shorter) and the whole stream, unconsumed. */
export async function peek(source: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    held.push(next.value);
    size += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* held;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { head: Buffer.concat(held).subarray(0, n), stream: replay() };
}

/** The decompressed bytes of a context (the stream itself when it is not compressed). */
export async function decompressContext(source: AsyncIterable<Buffer>): Promise<{ compression: ContextCompression; stream: AsyncIterable<Buffer> }> {
  const { head, stream } = await peek(source, 10);
  const compression = detectCompression(head);
  switch (compression) {
    case 'none':
      return { compression, stream };
    case 'gzip':
      return { compression, stream: Readable.from(stream).pipe(createGunzip()) };
    case 'bzip2':
      return { compression, stream: throughCommand('bzip2', ['-d', '-c', '-q'], stream) };
    case 'xz':
      return { compression, stream: throughCommand('xz', ['-d', '-c', '-q'], stream) };
  }
}

/** The output of a decompressing command fed with `input`; its failure is the stream's error. */
function throughCommand(command: string, args: string[], input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const feed = Readable.from(input);
  feed.on('error', (err: Error) => child.stdin.destroy(err));
  // The command may stop reading early (corrupt data): what it did not take is not our error.
  child.stdin.on('error', () => feed.destroy());
  feed.pipe(child.stdin);
  async function* output(): AsyncGenerator<Buffer> {
    const exited = new Promise<void>((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(new DecompressionError(err.code === 'ENOENT' ? `the context is ${command}-compressed and this host has no ${command} to read it` : `${command} failed: ${err.message}`)),
      );
      child.once('close', (code, signal) =>
        code === 0 ? resolve() : reject(new DecompressionError(`the ${command}-compressed context does not decompress (${command} exited with ${code ?? signal})`)),
      );
    });
    exited.catch(() => undefined);
    try {
      for await (const chunk of child.stdout) yield chunk as Buffer;
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      feed.destroy();
    }
  }
  return output();
}
