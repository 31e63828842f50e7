// The Dockerfile a POST /build will run, read from the request body the way the engine finds it: the body
// decompressed (context-compression.ts), unpacked as a tar (go-tar-reader.ts, unpacked-context.ts), the
// file named by `?dockerfile=` opened through the context's symlinks, `Dockerfile` falling back to
// `dockerfile` as remotecontext does. BuildKit (`?version=2`) also takes a body that is not an archive as
// the Dockerfile itself, as its Dockerfile frontend does with an HTTP context.
//
// Two passes over the body: the first, while it arrives, learns the context's shape and which entry holds
// the Dockerfile; the second reads that entry's data. Neither holds more than a header and the names, and
// what they keep (the names, the Dockerfile) is told to `keeps` first, for the request's memory budget.

import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import type { QueryView } from '../../route/query.js';
import { decompressContext, DecompressionError, detectCompression, peek } from './context-compression.js';
import { GoTarReader, TarFormatError, type TarEntry } from './go-tar-reader.js';
import { UnpackedContext, UnpackError } from './unpacked-context.js';

/** Largest Dockerfile dockgate reads; real ones are a few KiB. */
export const DOCKERFILE_LIMIT = 4 * 1024 * 1024;

export type Builder = 'classic' | 'buildkit';

export interface ContextDockerfile {
  /** Where it was found, for messages: the path in the context, or `(the request body)`. */
  readonly path: string;
  readonly text: string;
}

export interface BuildContextReading {
  /** `archive`: a (compressed) tar; `plain`: BuildKit reads the whole body as the Dockerfile. */
  readonly form: 'archive' | 'plain';
  /** The Dockerfile the engine will read (two where BuildKit and the classic builder may read different ones). */
  readonly dockerfiles: readonly ContextDockerfile[];
}

export function isBuildContextReading(value: unknown): value is BuildContextReading {
  return typeof value === 'object' && value !== null && 'form' in value && 'dockerfiles' in value;
}

/** A build context that cannot be read as the engine reads it; `why` is a clause for a refusal. */
export class BuildContextError extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

/** The body, readable twice: `live` as it arrives (the first pass), `again` from the start (the second). */
export interface ContextBody {
  live(): AsyncIterable<Buffer>;
  again(): AsyncIterable<Buffer>;
  /**
   * Told what the reading keeps as it learns it, before it is kept: each entry's name and link target
   * (`entry`, their length), each Dockerfile's bytes (`dockerfile`, which the judge then parses twice).
   * It throws to stop the reading (the request's memory budget is spent).
   */
  keeps?(kind: 'entry' | 'dockerfile', bytes: number): void;
}

/**
 * The Dockerfile names to open, in the engine's order of preference. `dockerfile` is the query's value
 * (r.FormValue: empty when absent), a UTF-8 string; tar names are byte strings, so it is compared as bytes.
 */
function dockerfileNames(dockerfile: string, builder: Builder): string[] {
  const asBytes = Buffer.from(dockerfile, 'utf8').toString('latin1');
  if (builder === 'buildkit' && (dockerfile === '' || dockerfile === '.')) return ['Dockerfile'];
  return [asBytes === '' ? 'Dockerfile' : asBytes];
}

/** BuildKit's isArchive: a compression magic, or a first tar header that parses. */
async function isArchive(head: Buffer): Promise<boolean> {
  if (detectCompression(head) !== 'none') return true;
  try {
    return (await new GoTarReader(onceOnly(head)).next()) !== undefined;
  } catch {
    return false;
  }
}

async function* onceOnly(chunk: Buffer): AsyncGenerator<Buffer> {
  yield chunk;
}

export async function readBuildContext(body: ContextBody, dockerfile: string, builder: Builder): Promise<BuildContextReading> {
  try {
    const { head, stream } = await peek(body.live(), 1024);
    if (builder === 'buildkit' && !(await isArchive(head))) {
      const text = await readWhole(stream, body);
      return { form: 'plain', dockerfiles: [{ path: '(the request body)', text }] };
    }
    const context = new UnpackedContext();
    await forEachEntry(stream, (entry) => {
      body.keeps?.('entry', entry.name.length + entry.linkname.length);
      context.apply(entry);
    });
    const wanted = new Map<number, string>();
    for (const name of dockerfileNames(dockerfile, builder)) {
      let opened = context.openDockerfile(name);
      // remotecontext: a missing default `Dockerfile` is looked for as `dockerfile`.
      if (opened.kind === 'missing' && name === 'Dockerfile') opened = context.openDockerfile('dockerfile');
      if (opened.kind === 'missing') throw new BuildContextError(`the context has no Dockerfile at ${JSON.stringify(name)} (the engine would fail: Cannot locate specified Dockerfile)`);
      if (opened.kind === 'unreadable') throw new BuildContextError(opened.why);
      wanted.set(opened.entry, opened.path);
    }
    const texts = await readEntries(body, wanted);
    return { form: 'archive', dockerfiles: [...wanted].map(([entry, path]) => ({ path: path.slice(1), text: texts.get(entry)! })) };
  } catch (err) {
    // A refusal of the body itself (too large, cut off, too slow) stays what it is.
    if (err instanceof BuildContextError || isGatewayError(err)) throw err;
    if (err instanceof TarFormatError || err instanceof UnpackError || err instanceof DecompressionError) throw new BuildContextError(err.message);
    throw new BuildContextError(`the context could not be read (${err instanceof Error ? err.message : String(err)})`);
  }
}

async function forEachEntry(raw: AsyncIterable<Buffer>, visit: (entry: TarEntry) => void): Promise<void> {
  const { stream } = await decompressContext(raw);
  const reader = new GoTarReader(stream);
  for (let entry = await reader.next(); entry !== undefined; entry = await reader.next()) visit(entry);
  // The engine stops at the end of the archive; the rest of the body is read (and forwarded) but unused.
  for await (const _ of stream) void _;
}

async function readEntries(body: ContextBody, wanted: ReadonlyMap<number, string>): Promise<Map<number, string>> {
  const { stream } = await decompressContext(body.again());
  const reader = new GoTarReader(stream);
  const texts = new Map<number, string>();
  try {
    for (let entry = await reader.next(); entry !== undefined && texts.size < wanted.size; entry = await reader.next()) {
      if (!wanted.has(entry.index)) continue;
      if (entry.size <= DOCKERFILE_LIMIT) body.keeps?.('dockerfile', entry.size);
      const data = await reader.readData(DOCKERFILE_LIMIT);
      if (data === undefined) throw new BuildContextError(`the Dockerfile is larger than the ${DOCKERFILE_LIMIT} bytes dockgate reads`);
      texts.set(entry.index, data.toString('utf8'));
    }
  } finally {
    await reader.close();
  }
  return texts;
}

async function readWhole(stream: AsyncIterable<Buffer>, body: ContextBody): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > DOCKERFILE_LIMIT) throw new BuildContextError(`the Dockerfile is larger than the ${DOCKERFILE_LIMIT} bytes dockgate reads`);
    body.keeps?.('dockerfile', chunk.length);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A build's body is its context unless `remote` names one elsewhere (a URL, git, or BuildKit's session). */
export function bodyIsBuildContext(query: QueryView): boolean {
  return (query.get('remote') ?? '') === '';
}

/** The builder a POST /build asks for (`version=2`: BuildKit). */
export function builderOf(query: QueryView): Builder {
  return query.get('version') === '2' ? 'buildkit' : 'classic';
}

/** The context of a POST /build, as its query says to read it; what cannot be read is a DG_BODY_MALFORMED refusal. */
export async function readBuildRequestContext(query: QueryView, body: ContextBody, what: string): Promise<BuildContextReading> {
  try {
    return await readBuildContext(body, query.get('dockerfile') ?? '', builderOf(query));
  } catch (err) {
    if (!(err instanceof BuildContextError)) throw err;
    throw new GatewayError('DG_BODY_MALFORMED', {
      what,
      why: err.why,
      fix: 'Send the build context as the engine reads it: a tar (plain, gzip, bzip2 or xz) holding the Dockerfile that ?dockerfile names',
    });
  }
}
