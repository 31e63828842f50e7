// Exact-length reads over a stream of chunks, for the tar reader: a header is 512 bytes wherever the
// chunk boundaries fall, and a file's data is skipped without being copied.

export class ChunkReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes; fewer only at the end of the stream (an empty buffer when it ended before any). */
  async read(n: number): Promise<Buffer> {
    while (this.pending.length < n && (await this.more()));
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(out.length);
    return out;
  }

  /** Skips `n` bytes; returns how many there were (fewer than `n` only at the end of the stream). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      if (this.pending.length === 0 && !(await this.more())) break;
      const take = Math.min(n - skipped, this.pending.length);
      this.pending = this.pending.subarray(take);
      skipped += take;
    }
    return skipped;
  }

  /** Stops reading the source (its producer is told through the iterator's return). */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.chunks.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    const chunk = next.value;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return true;
  }
}
