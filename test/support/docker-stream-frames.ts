// Docker's multiplexed stream (attach and exec without a tty): frames of an 8-byte header
// [stream type, 0, 0, 0, length as uint32 big-endian] and then that many bytes.

export interface DemultiplexedOutput {
  stdout: string;
  stderr: string;
}

const STDOUT = 1;
const STDERR = 2;

export function demultiplex(stream: Buffer): DemultiplexedOutput {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let offset = 0;
  while (offset < stream.length) {
    if (stream.length - offset < 8) throw new Error(`truncated frame header at byte ${offset} of ${stream.length}`);
    const type = stream[offset];
    const length = stream.readUInt32BE(offset + 4);
    const payload = stream.subarray(offset + 8, offset + 8 + length);
    if (payload.length !== length) throw new Error(`truncated frame at byte ${offset}: ${payload.length} of ${length} bytes`);
    if (type === STDOUT) stdout.push(payload);
    else if (type === STDERR) stderr.push(payload);
    else throw new Error(`unknown stream type ${type} at byte ${offset}`);
    offset += 8 + length;
  }
  return { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
}
