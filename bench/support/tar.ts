// The ustar format as far as the upload scenarios need it: a header for one regular file, and the blocks
// that pad a file and end an archive. Written here rather than taken from a library because the
// scenarios stream gigabytes of generated content through it and need every size known up front.

export const BLOCK = 512;

/** A ustar header for one regular file. */
export function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string): void => void header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number): string => value.toString(8).padStart(length - 1, '0') + '\0';
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(size, 12));
  field(136, 12, octal(Math.floor(Date.now() / 1000), 12));
  field(148, 8, ' '.repeat(8)); // counted as spaces while the checksum is computed
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return header;
}

/** The zeros that fill a file of `size` bytes up to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** How many bytes a file of `size` bytes takes in an archive: its header, its content, its padding. */
export function tarEntryBytes(size: number): number {
  return BLOCK + size + tarPadding(size).length;
}
