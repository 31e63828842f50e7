// A compose file read as PyYAML's safe_load reads it for Compose (YAML 1.1: `yes`/`no` booleans, `0755`
// octal, merge keys `<<`, a repeated key taken from its last occurrence), into a tree whose every value and
// every key keeps the file, line and column it was written at, so that what Compose makes of the files can
// be traced back to the key that asked for it after interpolation, `extends` and the merge of `-f` files.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { SourceLocation } from '../checked-request.js';
import { ComposeFileError } from './compose-file-error.js';

export type ScalarValue = string | number | boolean | null;

export interface LocatedScalar {
  kind: 'scalar';
  value: ScalarValue;
  at: SourceLocation;
}

export interface LocatedEntry {
  /** Where the key was written. */
  key: SourceLocation;
  value: LocatedNode;
}

export interface LocatedMap {
  kind: 'map';
  entries: Map<string, LocatedEntry>;
  at: SourceLocation;
}

export interface LocatedSeq {
  kind: 'seq';
  items: LocatedNode[];
  at: SourceLocation;
}

export type LocatedNode = LocatedScalar | LocatedMap | LocatedSeq;

export function scalar(value: ScalarValue, at: SourceLocation): LocatedScalar {
  return { kind: 'scalar', value, at };
}

/** Reads one compose file's text; a file YAML cannot read is a ComposeFileError at the place it fails. */
export function readLocatedYaml(file: string, text: string): LocatedNode {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version: '1.1', uniqueKeys: false, prettyErrors: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const pos = error.linePos?.[0];
    throw new ComposeFileError({ file, line: pos?.line ?? 1, column: pos?.col ?? 1 }, `YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const locate = (offset: number | undefined): SourceLocation => {
    const { line, col } = lines.linePos(offset ?? 0);
    return { file, line, column: col };
  };
  return toLocated(doc, doc.contents, locate, locate(0));
}

// PyYAML's YAML 1.1 resolver is narrower than the yaml library's: `y` and `n` stay text, and a number
// must match its patterns (`1e3` and `012345678` are text to PyYAML).
const PYYAML_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/u;
const PYYAML_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/u;

/** A plain scalar's value as PyYAML resolves it, where the yaml library resolves it otherwise. */
function pyyamlValue(value: unknown, plain: string | undefined): unknown {
  if (plain === undefined) return value;
  if (typeof value === 'boolean' && /^[yYnN]$/u.test(plain)) return plain;
  if ((typeof value === 'number' || typeof value === 'bigint') && !PYYAML_INT.test(plain) && !PYYAML_FLOAT.test(plain)) return plain;
  return value;
}

function toLocated(doc: Document, raw: unknown, locate: (offset: number | undefined) => SourceLocation, fallback: SourceLocation): LocatedNode {
  const node = isAlias(raw) ? (raw.resolve(doc) as unknown) : raw;
  if (node === null || node === undefined) return scalar(null, fallback);
  const at = locate((node as Node).range?.[0]);
  if (isScalar(node)) {
    const value = pyyamlValue(node.value, node.type === 'PLAIN' && typeof node.source === 'string' ? node.source : undefined);
    if (value === null || value === undefined) return scalar(null, at);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return scalar(value, at);
    if (typeof value === 'bigint') return scalar(Number(value), at);
    // Timestamps and binary are read as text by the fields Compose has.
    return scalar(typeof node.source === 'string' ? node.source : JSON.stringify(value), at);
  }
  if (isSeq(node)) return { kind: 'seq', items: node.items.map((item) => toLocated(doc, item, locate, at)), at };
  if (isMap(node)) {
    const entries = new Map<string, LocatedEntry>();
    const merged: LocatedMap[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyValue = isScalar(keyNode) ? keyNode.value : keyNode;
      const keyAt = locate(keyNode?.range?.[0]);
      const value = toLocated(doc, pair.value, locate, keyAt);
      if (typeof keyValue === 'symbol' || keyValue === '<<') {
        // A merge key: the mappings it names give the keys this one does not write itself.
        const sources = value.kind === 'seq' ? value.items : [value];
        for (const source of sources) if (source.kind === 'map') merged.push(source);
        continue;
      }
      entries.set(String(keyValue), { key: keyAt, value });
    }
    for (const source of merged) for (const [k, e] of source.entries) if (!entries.has(k)) entries.set(k, e);
    return { kind: 'map', entries, at };
  }
  return scalar(null, at);
}
