// A tar archive of one regular file, as a header to stream the file's bytes behind: uploads through
// `PUT /containers/{id}/archive` (docker cp) of any size without a file on disk.

/** A ustar header for one regular file of `size` bytes. */
export function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  const field = (text: string, offset: number, length: number): void => void header.write(text, offset, length, 'latin1');
  const octal = (value: number, length: number): string => value.toString(8).padStart(length - 1, '0');
  field(name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(size, 12), 124, 12);
  field(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  field('        ', 148, 8); // the checksum counts its own field as spaces
  field('0', 156, 1);
  field('ustar\u000000', 257, 8);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(`${octal(sum, 7)}\u0000`, 148, 8);
  return header;
}

/** What ends an archive: two zero blocks, after the file's data padded to a whole block. */
export function tarEnd(fileSize: number): Buffer {
  const padding = (512 - (fileSize % 512)) % 512;
  return Buffer.alloc(padding + 1024);
}
