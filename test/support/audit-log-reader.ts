// Reads the gateway's audit trail (JSON Lines, --audit-log) back, telling complete lines from a torn
// last one (a write cut short by a kill), and waits for the records a step is expected to add.

import { readFileSync } from 'node:fs';

/** One audit record as the tests read it: only the fields they look at are typed. */
export interface AuditLine {
  time: string;
  id: string;
  phase: 'forwarding' | 'done';
  listener: string;
  identity: Record<string, unknown> & { kind: string };
  method: string;
  path: string;
  operation?: string;
  target?: { kind: string; ref: string };
  decision: string;
  rule: string;
  reason: string;
  status?: number;
  created?: string[];
  normalised?: { kind: string; path: string; to?: string }[];
  normalisedOmitted?: number;
}

export interface AuditTrail {
  records: AuditLine[];
  /** Complete lines (ending in a newline) that are not JSON objects, with their 1-based line numbers. */
  badLines: { line: number; text: string }[];
  /** The last line when the file does not end with a newline (a write cut short by a kill). */
  tornTail: string | undefined;
}

/** Reads a JSON Lines audit trail, from `fromByte` on (to look only at what a step added). */
export function readAuditTrail(path: string, fromByte = 0): AuditTrail {
  const text = readFileSync(path).subarray(fromByte).toString('utf8');
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const records: AuditLine[] = [];
  const badLines: { line: number; text: string }[] = [];
  lines.forEach((line, index) => {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      records.push(value as AuditLine);
    } catch {
      badLines.push({ line: index + 1, text: line.slice(0, 300) });
    }
  });
  return { records, badLines, tornTail: last === '' ? undefined : last };
}

/**
 * Reads the trail from `fromByte` on until `isComplete` holds of its records, or `timeoutMs` pass; resolves
 * with the last reading either way, so that the caller asserts what it expected with a message of its own.
 * `done` records are written after the response (not durably): they may land a moment after the client is done.
 */
export async function waitForAuditTrail(
  path: string,
  fromByte: number,
  isComplete: (records: AuditLine[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ trail: AuditTrail; complete: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const trail = readAuditTrail(path, fromByte);
    if (isComplete(trail.records)) return { trail, complete: true };
    if (Date.now() > deadline) return { trail, complete: false };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
