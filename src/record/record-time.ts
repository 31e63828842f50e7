// The time stamp of audit records, ISO 8601 in UTC. Formatting a Date costs more than the rest of a
// record's fields; many records share a millisecond under load, so the last string is reused.
let lastMs = -1;
let lastText = '';

export function recordTime(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}
