// Reads a tar stream entry by entry exactly as Go's archive/tar Reader.Next does (Go 1.19, the engine's
// toolchain), because the engine unpacks build contexts with it: which bytes are a header, which are a
// file's data, what a PAX record or a GNU long name changes, and where the archive ends. A library with
// its own idea of any of these would let a context carry a Dockerfile the engine reads and dockgate
// does not. What Go would refuse is refused; so are sparse files (the engine reads their holes as data,
// dockgate does not reproduce that), which no build tool writes.

import { ChunkReader } from './chunk-reader.js';

export interface TarEntry {
  /** Position among the entries Next returns (meta headers are not entries). */
  readonly index: number;
  readonly name: string;
  /** The type flag as a character: '0' file, '1' hard link, '2' symlink, '5' directory, 'g' global header, ... */
  readonly type: string;
  readonly linkname: string;
  /** Bytes of data that follow (0 for the header-only types, whatever the size field says). */
  readonly size: number;
}

export class TarFormatError extends Error {}

const BLOCK = 512;
/** archive/tar's maxSpecialFileSize: PAX records and GNU long names are read whole up to this. */
const MAX_SPECIAL_FILE = 1 << 20;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** common.go's isHeaderOnlyType: link, symlink, char, block, dir, fifo carry no data whatever Size says. */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

type Format = 'unknown' | 'v7' | 'ustar' | 'gnu' | 'star';

/** bytes.Trim(b, " \x00") then a NUL-terminated string: parseOctal. Undefined when it does not parse. */
function parseOctal(field: Buffer): number | undefined {
  let start = 0;
  let end = field.length;
  while (start < end && (field[start] === 0x20 || field[start] === 0)) start++;
  while (end > start && (field[end - 1] === 0x20 || field[end - 1] === 0)) end--;
  if (start === end) return 0;
  const text = parseString(field.subarray(start, end));
  // strconv.ParseUint(s, 8, 64): digits 0-7 only (no sign, no underscores without a prefix), no overflow.
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = BigInt(`0o${text}`);
  if (value >= 1n << 64n) return undefined;
  return safeNumber(value);
}

/** parseNumeric: base-256 when the top bit of the first byte is set, else octal. */
function parseNumeric(field: Buffer): number | undefined {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) {
    const invert = (field[0]! & 0x40) !== 0 ? 0xff : 0;
    let x = 0n;
    for (let i = 0; i < field.length; i++) {
      let c = field[i]! ^ invert;
      if (i === 0) c &= 0x7f;
      if (x >> 56n > 0n) return undefined;
      x = (x << 8n) | BigInt(c);
    }
    if (x >> 63n > 0n) return undefined;
    return safeNumber(invert === 0xff ? -x - 1n : x);
  }
  return parseOctal(field);
}

/** Values past 2^53 cannot be sizes of anything a gateway holds: they are refused rather than rounded. */
function safeNumber(value: bigint): number | undefined {
  return value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER) ? undefined : Number(value);
}

/** parseString: up to the first NUL. Bytes are kept as Go keeps them (names are byte strings). */
function parseString(field: Buffer): string {
  const nul = field.indexOf(0);
  return (nul === -1 ? field : field.subarray(0, nul)).toString('latin1');
}

function formatOf(block: Buffer): Format {
  const stored = parseOctal(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  if (stored === undefined || (stored !== unsigned && stored !== signed)) return 'unknown';
  const magic = block.toString('latin1', 257, 263);
  const version = block.toString('latin1', 263, 265);
  const trailer = block.toString('latin1', 508, 512);
  if (magic === 'ustar\0' && trailer === 'tar\0') return 'star';
  if (magic === 'ustar\0') return 'ustar';
  if (magic === 'ustar ' && version === ' \0') return 'gnu';
  return 'v7';
}

interface RawHeader {
  type: string;
  name: string;
  linkname: string;
  size: number;
}

/** readHeader: one header block, or undefined at the end of the archive (io.EOF). */
function decodeHeader(block: Buffer): RawHeader {
  const format = formatOf(block);
  if (format === 'unknown') throw new TarFormatError('a tar header has a bad checksum or no known format');
  let failed = false;
  const numeric = (start: number, length: number): number => {
    const value = parseNumeric(block.subarray(start, start + length));
    if (value === undefined) failed = true;
    return value ?? 0;
  };
  const header: RawHeader = {
    type: String.fromCharCode(block[156]!),
    name: parseString(block.subarray(0, 100)),
    linkname: parseString(block.subarray(157, 257)),
    size: numeric(124, 12),
  };
  // Go parses (and fails on) every numeric field, not only the size.
  numeric(100, 8);
  numeric(108, 8);
  numeric(116, 8);
  numeric(136, 12);
  if (format !== 'v7') {
    numeric(329, 8);
    numeric(337, 8);
    let prefix = '';
    if (format === 'ustar') prefix = parseString(block.subarray(345, 500));
    else if (format === 'star') {
      prefix = parseString(block.subarray(345, 476));
      numeric(476, 12);
      numeric(488, 12);
    } else {
      // GNU: atime and ctime where USTAR has its prefix. Files from Go before 1.8 put a prefix there;
      // Go reads it as one when the times do not parse and the field is ASCII.
      const atime = block[345] !== 0 ? parseNumeric(block.subarray(345, 357)) : 0;
      const ctime = block[357] !== 0 ? parseNumeric(block.subarray(357, 369)) : 0;
      if (atime === undefined || ctime === undefined) {
        const candidate = parseString(block.subarray(345, 500));
        if (/^[\x00-\x7f]*$/.test(candidate)) prefix = candidate;
      }
    }
    if (prefix.length > 0) header.name = `${prefix}/${header.name}`;
  }
  if (failed) throw new TarFormatError(`the tar header of ${JSON.stringify(header.name)} has a numeric field that does not parse`);
  return header;
}

/** parsePAXRecord, applied to a whole extended header: the records, the last of each key winning. */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let rest = data.toString('latin1');
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    if (space === -1) throw new TarFormatError('a PAX record has no length');
    const lengthText = rest.slice(0, space);
    // strconv.ParseInt(nStr, 10, 0): an optional sign, then digits.
    if (!/^[+-]?[0-9]+$/.test(lengthText)) throw new TarFormatError('a PAX record length is not a number');
    const length = Number(lengthText);
    if (!Number.isSafeInteger(length) || length < 5 || length > rest.length) throw new TarFormatError('a PAX record has a bad length');
    const n = length - (lengthText.length + 1);
    if (n <= 0) throw new TarFormatError('a PAX record has a bad length');
    const body = rest.slice(space + 1);
    const record = body.slice(0, n - 1);
    if (body[n - 1] !== '\n') throw new TarFormatError('a PAX record does not end in a newline');
    rest = body.slice(n);
    const equals = record.indexOf('=');
    if (equals === -1) throw new TarFormatError('a PAX record has no "="');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    const valueMustBeText = key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname';
    if (key === '' || (valueMustBeText ? value.includes('\0') : key.includes('\0'))) throw new TarFormatError('a PAX record is not valid');
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes' || key.startsWith('GNU.sparse.')) {
      throw new TarFormatError('the context holds a sparse file, which dockgate does not read');
    }
    records.set(key, value);
  }
  return records;
}

/** strconv.ParseInt(v, 10, 64), as mergePAX applies it to numeric records. */
function paxInteger(value: string): number {
  if (!/^[+-]?[0-9]+$/.test(value)) throw new TarFormatError('a numeric PAX record does not parse');
  const parsed = safeNumber(BigInt(value));
  if (parsed === undefined) throw new TarFormatError('a numeric PAX record is out of range');
  return parsed;
}

/** parsePAXTime's checks: seconds, then an optional fraction of digits. */
function checkPaxTime(value: string): void {
  if (!/^[+-]?[0-9]+(\.[0-9]*)?$/.test(value)) throw new TarFormatError('a PAX time record does not parse');
}

export class GoTarReader {
  private readonly reader: ChunkReader;
  /** Data (and padding) of the current entry not yet consumed. */
  private remaining = 0;
  private padding = 0;
  private count = 0;
  private finished = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.reader = new ChunkReader(source);
  }

  /** Reader.Next: the next entry, or undefined at the end of the archive. */
  async next(): Promise<TarEntry | undefined> {
    if (this.finished) return undefined;
    let pax = new Map<string, string>();
    let longName = '';
    let longLink = '';
    for (;;) {
      await this.skipCurrent();
      const block = await this.reader.read(BLOCK);
      if (block.length === 0) return this.end();
      if (block.length < BLOCK) throw new TarFormatError('the archive ends inside a tar header');
      if (block.equals(ZERO_BLOCK)) {
        const second = await this.reader.read(BLOCK);
        if (second.length === 0) return this.end();
        if (second.length < BLOCK) throw new TarFormatError('the archive ends inside a tar header');
        if (second.equals(ZERO_BLOCK)) return this.end();
        throw new TarFormatError('a zero block is followed by a header (Go reads that as a corrupt archive)');
      }
      const header = decodeHeader(block);
      this.startData(header.type, header.size);
      switch (header.type) {
        case 'x':
        case 'g': {
          pax = parsePax(await this.readSpecial());
          if (header.type === 'g') {
            // A global header is returned as an entry of its own; the engine ignores it.
            return this.entry({ ...header, size: 0 });
          }
          continue;
        }
        case 'L':
          longName = parseString(await this.readSpecial());
          continue;
        case 'K':
          longLink = parseString(await this.readSpecial());
          continue;
        default: {
          if (header.type === 'S') throw new TarFormatError('the context holds a GNU sparse file, which the engine does not unpack');
          const merged = this.mergePax(header, pax);
          if (longName !== '') merged.name = longName;
          if (longLink !== '') merged.linkname = longLink;
          if (merged.type === '\0') merged.type = merged.name.endsWith('/') ? '5' : '0';
          // The extended headers may have changed the size: the data section is set up again.
          this.startData(merged.type, merged.size);
          return this.entry(merged);
        }
      }
    }
  }

  /** The current entry's data, whole; longer than `limit` is an error the caller words. */
  async readData(limit: number): Promise<Buffer | undefined> {
    if (this.remaining > limit) return undefined;
    const data = await this.reader.read(this.remaining);
    if (data.length < this.remaining) throw new TarFormatError('the archive ends inside a file');
    this.remaining = 0;
    return Buffer.from(data);
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  private end(): undefined {
    this.finished = true;
    return undefined;
  }

  private entry(header: RawHeader): TarEntry {
    return { index: this.count++, name: header.name, type: header.type, linkname: header.linkname, size: this.remaining };
  }

  /** handleRegularFile: the data section of this header, and the padding to the next block. */
  private startData(type: string, size: number): void {
    if (size < 0) throw new TarFormatError('a tar header has a negative size');
    const length = HEADER_ONLY.has(type) ? 0 : size;
    this.remaining = length;
    this.padding = (BLOCK - (length % BLOCK)) % BLOCK;
  }

  private async skipCurrent(): Promise<void> {
    const want = this.remaining + this.padding;
    const skipped = await this.reader.skip(want);
    // Go's discard fails on a short data section; a short padding is tolerated (tryReadFull at EOF).
    if (skipped < this.remaining) throw new TarFormatError('the archive ends inside a file');
    this.remaining = 0;
    this.padding = 0;
  }

  /** readSpecialFile: a meta header's data, whole, at most 1 MiB. */
  private async readSpecial(): Promise<Buffer> {
    if (this.remaining > MAX_SPECIAL_FILE) throw new TarFormatError('a PAX header or GNU long name is larger than 1 MiB');
    const data = await this.reader.read(this.remaining);
    if (data.length < this.remaining) throw new TarFormatError('the archive ends inside a PAX header or long name');
    this.remaining = 0;
    return Buffer.from(data);
  }

  /** mergePAX: records override the header's fields; empty values keep the header's. */
  private mergePax(header: RawHeader, pax: Map<string, string>): RawHeader {
    const merged = { ...header };
    for (const [key, value] of pax) {
      if (value === '') continue;
      switch (key) {
        case 'path':
          merged.name = value;
          break;
        case 'linkpath':
          merged.linkname = value;
          break;
        case 'size':
          merged.size = paxInteger(value);
          break;
        case 'uid':
        case 'gid':
          paxInteger(value);
          break;
        case 'atime':
        case 'mtime':
        case 'ctime':
          checkPaxTime(value);
          break;
        default:
          break;
      }
    }
    return merged;
  }
}
