// A raw Engine API body in a JSON file, checked as the container create it is (`POST /containers/create`):
// the file's bytes are judged as they are, read by the gateway's own reader, and a field the judge names
// (`HostConfig.Binds[0]`) is found in the file as the engine takes a struct field: the last key that is
// the field's name under Go's case folding (each such key sets the field again; the last one stays).
import { isMap, isSeq, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from '../errors/config-error.js';
import { goFieldFold } from '../inspect/go-field-fold.js';
import { parseJsonPath } from '../inspect/json-path.js';
import type { CheckedRequest, SourceLocation } from './checked-request.js';
import { CLI_API_VERSION } from './run-line/run-requests.js';

function keyNode(map: Node, key: string): { key: Node; value: Node | null } | undefined {
  if (!isMap(map)) return undefined;
  const pairs = map.items.filter((p) => isScalar(p.key));
  const found = pairs.filter((p) => goFieldFold(String((p.key as { value: unknown }).value)) === goFieldFold(key)).at(-1);
  return found === undefined ? undefined : { key: found.key as Node, value: (found.value as Node | null) ?? null };
}

export function bodyFileRequest(text: string, file: string): CheckedRequest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const [first] = doc.errors;
    const { line, col } = lines.linePos(first!.pos[0]);
    throw new ConfigError(`${file}:${line}:${col}: not a JSON body: ${first!.message.split('\n')[0]!}`);
  }
  const place = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const location = place(doc.contents?.range?.[0] ?? 0);
  return {
    subject: file,
    method: 'POST',
    path: `/v${CLI_API_VERSION}/containers/create`,
    body: Buffer.from(text, 'utf8'),
    location,
    locate(field) {
      const path = parseJsonPath(field);
      let node: Node | null | undefined = doc.contents;
      let at = location;
      for (const segment of path ?? []) {
        if (node === null || node === undefined) break;
        if (typeof segment === 'number') {
          const item: unknown = isSeq(node) ? node.items[segment] : undefined;
          if (item === undefined) break;
          node = item as Node;
          at = place(node.range?.[0] ?? 0);
        } else {
          const pair = keyNode(node, segment);
          if (pair === undefined) break;
          at = place(pair.key.range?.[0] ?? 0);
          node = pair.value;
        }
      }
      return at;
    },
  };
}
