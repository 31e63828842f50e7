// Builds tar archives entry by entry, including the shapes real tools rarely write but the engine's Go
// reader accepts (PAX records, GNU long names, hard links, size fields on header-only types), to show
// that a build context is read as the engine reads it.

export interface TarEntrySpec {
  name: string;
  /** '0' file (default), '1' hard link, '2' symlink, '5' directory, '6' fifo, 'x' PAX, 'L' GNU long name. */
  type?: string;
  linkname?: string;
  data?: Buffer | string;
  /** The size field, when it must differ from the data's length (header-only types ignore it). */
  sizeField?: number;
  /** 'ustar' (default) or 'gnu' magic. */
  magic?: 'ustar' | 'gnu';
}

function header(spec: TarEntrySpec, size: number): Buffer {
  const block = Buffer.alloc(512);
  const field = (text: string, offset: number, length: number): void => void block.write(text, offset, length, 'latin1');
  const octal = (value: number, length: number): string => value.toString(8).padStart(length - 1, '0');
  field(spec.name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(spec.sizeField ?? size, 12), 124, 12);
  field(octal(1_700_000_000, 12), 136, 12);
  field('        ', 148, 8);
  field(spec.type ?? '0', 156, 1);
  field(spec.linkname ?? '', 157, 100);
  if ((spec.magic ?? 'ustar') === 'ustar') field('ustar\u000000', 257, 8);
  else field('ustar  \u0000', 257, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  field(`${octal(sum, 7)}\u0000`, 148, 8);
  return block;
}

/** One PAX record, `%d key=value\n` with its own length counted. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length++;
  return `${length}${body}`;
}

export function tarArchive(entries: readonly TarEntrySpec[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const spec of entries) {
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data, 'latin1') : (spec.data ?? Buffer.alloc(0));
    parts.push(header(spec, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (options.end ?? true) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
