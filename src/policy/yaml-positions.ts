// Where in the YAML source a value lives, for file:line:column messages: walks the document's nodes
// along a validation path (`rules[0].constraints.privileged`), and for an unknown key points at the key.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface SourcePosition {
  line: number;
  column: number;
  /** The source text of the value, when it is a scalar (for "got ..." in messages). */
  text?: string;
}

function keyOf(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

/** The position of the value at `path`, or of the nearest ancestor that exists; `key`: the position of that key in the map at `path`. */
export function positionOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[], key?: string): SourcePosition {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  const visit = (n: unknown): unknown => (isAlias(n) ? n.resolve(doc) : n);
  node = visit(node);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyOf(p.key) === segment);
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = visit(pair.value);
      if (node === null || node === undefined) {
        node = undefined;
        break;
      }
      offset = (node as Node).range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined || item === null) break;
      node = visit(item);
      offset = (node as Node).range?.[0] ?? offset;
    } else {
      break;
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => keyOf(p.key) === key);
    if (pair) offset = (pair.key as Node | null)?.range?.[0] ?? offset;
  }
  const { line, col } = lines.linePos(offset);
  const text = isScalar(node) && typeof node.source === 'string' ? node.source : isScalar(node) ? String(node.value) : undefined;
  return { line, column: col, ...(text !== undefined && { text }) };
}

/** `rules[0].constraints.privileged` */
export function describePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
