// Picks the ids of objects the engine created out of a create response (`{"Id": ...}`,
// `{"ID": ...}`, `{"Name": ...}` for volumes), so the audit record can name them.
// Only create responses are collected, and only their first 64 KiB: they are small JSON documents.

const LIMIT = 64 * 1024;

export class CreatedIdCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    if (this.size >= LIMIT) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  ids(): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(this.chunks).toString('utf8'));
    } catch {
      return [];
    }
    if (typeof parsed !== 'object' || parsed === null) return [];
    const doc = parsed as Record<string, unknown>;
    for (const key of ['Id', 'ID', 'Name']) {
      const value = doc[key];
      if (typeof value === 'string' && value !== '') return [value];
    }
    return [];
  }
}
