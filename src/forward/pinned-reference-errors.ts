// A request forwarded with the full id its decision looked up, in place of the name or id prefix the client
// sent, gets the engine's error messages with that id where the client's reference would have been
// ("Could not find the file /x in container 3f2a…" for "… in container web"). Clients and tools that read
// those messages see what they would have seen directly: in an error answer (status 400 and up, small),
// the id is put back as the reference the client sent. Larger answers pass unchanged.
import type { ResponseHead } from './engine-response-head.js';

/** Error answers are a few hundred bytes; beyond this one is passed on as it comes. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface PinnedReference {
  /** The full id forwarded. */
  readonly id: string;
  /** What the client sent in its place. */
  readonly ref: string;
}

/** Collects an error answer's body and gives it back with the pinned id replaced by the client's reference. */
export class PinnedReferenceErrors {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly pinned: PinnedReference) {}

  /** Whether this answer is one to rewrite: an error with a known length small enough to hold. */
  static applies(head: ResponseHead): boolean {
    return head.status >= 400 && head.framing.kind === 'length' && head.framing.length <= ERROR_BODY_LIMIT;
  }

  add(data: Buffer): void {
    this.chunks.push(Buffer.from(data));
    this.size += data.length;
  }

  /** The body with every occurrence of the id replaced (JSON-escaped, as it stands inside the message). */
  body(): Buffer {
    return PinnedReferenceErrors.rewrite(this.pinned, Buffer.concat(this.chunks, this.size));
  }

  /** An error answer's whole body, the id replaced by the client's reference; other answers as they are. */
  static rewrite(pinned: PinnedReference | undefined, body: Buffer, status = 400): Buffer {
    if (pinned === undefined || status < 400) return body;
    const ref = JSON.stringify(pinned.ref).slice(1, -1);
    return Buffer.from(body.toString('utf8').split(pinned.id).join(ref), 'utf8');
  }

  /** The engine's headers with the Content-Length of the rewritten body. */
  static headers(downstream: string[], length: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < downstream.length; i += 2) {
      if (downstream[i]!.toLowerCase() !== 'content-length') out.push(downstream[i]!, downstream[i + 1]!);
    }
    out.push('Content-Length', String(length));
    return out;
  }
}
