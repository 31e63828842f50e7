// The canonical re-serialisation of a judged body: what the engine receives instead of the bytes the client
// sent. Plain JSON of exactly the judged value: no duplicate keys, no escapes that could be read two ways,
// fields left out rather than null. Go decodes it to the meaning that was judged.

function refuseNonFinite(_key: string, value: unknown): unknown {
  // JSON.stringify would write NaN or Infinity as null, which Go reads as "leave the field alone".
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`canonical JSON: ${String(value)} cannot be sent to the engine`);
  }
  return value;
}

/** `undefined` (no body was sent, or none is needed) serialises to an empty body. */
export function serializeJudgedBody(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(value, refuseNonFinite), 'utf8');
}
